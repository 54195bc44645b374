// `pnpm start` runs this first: the API serves the console's build at /console, so the build is
// made when it is missing or older than the console's sources. Built into a folder of its own
// and moved into place, so two starts at once never serve half a build.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

async function newest(path) {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let latest = 0;
  for (const entry of await readdir(path))
    latest = Math.max(latest, await newest(join(path, entry)));
  return latest;
}

const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(root, p));
const builtAt = existsSync(join(dist, 'index.html'))
  ? (await stat(join(dist, 'index.html'))).mtimeMs
  : 0;
const changedAt = Math.max(...(await Promise.all(sources.map(newest))));

if (builtAt < changedAt) {
  const { build } = await import('vite');
  const started = Date.now();
  const outDir = await mkdtemp(join(root, '.dist-'));
  await build({ root, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const old = `${dist}.old-${process.pid}`;
  await rename(dist, old).catch(() => {});
  try {
    await rename(outDir, dist);
  } catch {
    // Another start moved its build in first: that one is served.
    await rm(outDir, { recursive: true, force: true });
  }
  await rm(old, { recursive: true, force: true });
  // One JSON line, as the server's own log lines are (pino's shape).
  const line = { level: 30, time: Date.now(), name: 'evently-console', msg: 'console built' };
  console.log(JSON.stringify({ ...line, ms: Date.now() - started, dir: dist }));
}

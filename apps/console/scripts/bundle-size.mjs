// Reports the built console's size (raw and gzip) per file and in total: CI prints it after the
// build, so a change that bloats the bundle shows in the log.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = fileURLToPath(new URL('../dist', import.meta.url));

async function files(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await files(path)));
    else out.push(path);
  }
  return out;
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
let raw = 0;
let gzip = 0;
const rows = [];
for (const path of (await files(dist)).sort()) {
  const size = (await stat(path)).size;
  const zipped = gzipSync(await readFile(path)).length;
  raw += size;
  gzip += zipped;
  rows.push(
    `${relative(dist, path).padEnd(48)} ${kb(size).padStart(10)} ${kb(zipped).padStart(10)} gzip`,
  );
}
console.log(rows.join('\n'));
console.log(`console bundle: ${kb(raw)} (${kb(gzip)} gzip) in ${rows.length} files`);

// What the first visit downloads (index.html's script and the modules it preloads) has a budget:
// pages that are not the events' are loaded when first opened, and a change that pulls one (or a
// heavy library) into the first download fails the build instead of going unnoticed.
const FIRST_DOWNLOAD_BUDGET_KB = 500;
const html = await readFile(join(dist, 'index.html'), 'utf8');
const first = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let firstBytes = 0;
for (const path of first) firstBytes += (await stat(join(dist, path))).size;
console.log(
  `first download: ${kb(firstBytes)} of JavaScript (budget ${FIRST_DOWNLOAD_BUDGET_KB} kB)`,
);
if (firstBytes > FIRST_DOWNLOAD_BUDGET_KB * 1024) {
  console.error(
    `the console's first download is over its budget: ${kb(firstBytes)} > ${FIRST_DOWNLOAD_BUDGET_KB} kB`,
  );
  process.exit(1);
}

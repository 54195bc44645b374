#!/usr/bin/env node
// The SDK as a stranger gets it: pack @evently/sdk, install the tarball into an empty project
// that has only TypeScript, typecheck correct and wrong calls (strict, skipLibCheck false) under
// NodeNext and Bundler resolution, then run the correct calls against a live `pnpm start`.
//
//   node packages/sdk/consumer-check/run.mjs      (exits non-zero on any failure)
//
// Wrong calls live in fixtures/wrong.ts as blocks: a `// expect TS1234: message part` line, then
// the call, then a blank line. Each block must get that error, and nothing else may fail.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const sdkDir = join(here, '..');
const repoRoot = join(sdkDir, '../..');
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const log = (message) => console.log(`[consumer-check ${elapsed()}] ${message}`);

/** Runs a command; resolves with its output, rejects with it when the exit code is not 0. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || options.allowFailure) resolve({ code, output });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** `pnpm start` in embedded mode on a free port, with an admin the correct calls log in as. */
async function startApi(dataDir) {
  const port = await freePort();
  const admin = { email: 'admin@example.com', password: 'consumer check admin password' };
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'JWT_SECRET']) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    EVENTLY_DATA_DIR: dataDir,
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    LOG_LEVEL: 'warn',
  });
  const child = spawn('pnpm', ['start'], {
    cwd: repoRoot,
    env,
    detached: true, // its own process group: stopping it reaches the node process pnpm started
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const ready = (async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`pnpm start exited:\n${output}`);
      try {
        if ((await fetch(`${url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`pnpm start did not answer in 90 s:\n${output}`);
  })();
  ready.catch(() => {}); // awaited later; a failure before then must not crash the process
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, admin, ready, stop };
}

/** The version the workspace catalog pins for a package (the tarball's dependencies use it too). */
async function catalogVersion(name) {
  const yaml = await readFile(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const match = new RegExp(`^\\s+"?${name}"?:\\s*(\\S+)\\s*$`, 'm').exec(yaml);
  if (!match) throw new Error(`${name} is not in the pnpm catalog`);
  return match[1];
}

/** `// expect TS2322: text` blocks of a file: the lines each covers, the code, the text. */
function expectations(source) {
  const lines = source.split('\n');
  const blocks = [];
  lines.forEach((line, index) => {
    const match = /^\s*\/\/ expect (TS\d+)(?::\s*(.*))?$/.exec(line);
    if (match)
      blocks.push({ code: match[1], text: match[2] ?? '', from: index + 2, to: index + 1 });
    else if (blocks.length && line.trim() === '') blocks.at(-1).closed = true;
    else if (blocks.length && !blocks.at(-1).closed) blocks.at(-1).to = index + 1;
  });
  return blocks;
}

/** tsc --pretty false diagnostics: file, line, code and the whole (multi-line) message. */
function diagnostics(output) {
  const found = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/.exec(line);
    if (match)
      found.push({ file: match[1], line: Number(match[2]), code: match[3], message: match[4] });
    else if (found.length && /^\s/.test(line)) found.at(-1).message += `\n${line.trim()}`;
    else if (line.trim()) found.push({ file: '', line: 0, code: 'OTHER', message: line });
  }
  return found;
}

async function typecheck(project, mode, compilerOptions, files, wrongBlocks) {
  const config = `tsconfig.${mode}.json`;
  await writeFile(
    join(project, config),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          // A plain browser-and-ES lib, no @types/node: the SDK's declarations must bring
          // whatever else they need (they reference esnext.disposable for tRPC's Disposable).
          lib: ['ES2023', 'DOM'],
          types: [],
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          ...compilerOptions,
        },
        files,
      },
      null,
      2,
    ),
  );
  const { output } = await run(
    join(project, 'node_modules/.bin/tsc'),
    ['-p', config, '--pretty', 'false'],
    {
      cwd: project,
      allowFailure: true,
    },
  );
  const errors = diagnostics(output);
  const problems = [];
  for (const block of wrongBlocks) {
    const inBlock = errors.filter(
      (e) => e.file === 'wrong.ts' && e.line >= block.from && e.line <= block.to,
    );
    const expected = inBlock.filter((e) => e.code === block.code && e.message.includes(block.text));
    if (!expected.length)
      problems.push(
        `wrong.ts:${block.from}: expected ${block.code} "${block.text}", got ${
          inBlock.map((e) => `${e.code} ${e.message}`).join(' | ') || 'no error'
        }`,
      );
  }
  const unexpected = errors.filter(
    (e) => e.file !== 'wrong.ts' || !wrongBlocks.some((b) => e.line >= b.from && e.line <= b.to),
  );
  for (const e of unexpected)
    problems.push(`unexpected: ${e.file}(${e.line}) ${e.code} ${e.message}`);
  if (problems.length) throw new Error(`typecheck under ${mode}:\n  ${problems.join('\n  ')}`);
  log(`${mode}: correct calls pass, ${wrongBlocks.length} wrong calls each fail as expected`);
}

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'evently-consumer-'));
  const project = join(work, 'project');
  const api = await startApi(join(work, 'data'));
  let ok = false;
  try {
    log('packing @evently/sdk (prepack builds it)');
    await run('pnpm', ['pack', '--pack-destination', work], { cwd: sdkDir });
    const tarball = (await readdir(work)).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('pnpm pack made no tarball');

    log(`installing ${tarball} into an empty project with only TypeScript`);
    await mkdir(project);
    const typescript = await catalogVersion('typescript');
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify(
        {
          name: 'evently-consumer',
          private: true,
          type: 'module',
          dependencies: { '@evently/sdk': `file:../${tarball}` },
          devDependencies: { typescript },
        },
        null,
        2,
      ),
    );
    for (const file of ['correct.ts', 'wrong.ts', 'require.cts', 'env.d.ts'])
      await copyFile(join(here, 'fixtures', file), join(project, file));
    // Outside the workspace, so this is a plain install from the registry (and pnpm's store).
    await run('pnpm', ['install', '--prefer-offline', '--ignore-workspace'], { cwd: project });

    const wrongBlocks = expectations(await readFile(join(project, 'wrong.ts'), 'utf8'));
    if (wrongBlocks.length < 10) throw new Error(`only ${wrongBlocks.length} wrong calls found`);
    const files = ['env.d.ts', 'correct.ts', 'wrong.ts'];
    await Promise.all([
      typecheck(
        project,
        'nodenext',
        { module: 'NodeNext', moduleResolution: 'NodeNext' },
        [...files, 'require.cts'],
        wrongBlocks,
      ),
      typecheck(
        project,
        'bundler',
        { module: 'ESNext', moduleResolution: 'Bundler' },
        files,
        wrongBlocks,
      ),
    ]);

    log('compiling the correct calls (NodeNext) and running them');
    await writeFile(
      join(project, 'tsconfig.emit.json'),
      JSON.stringify({
        extends: './tsconfig.nodenext.json',
        compilerOptions: { noEmit: false, outDir: 'out' },
        files: ['env.d.ts', 'correct.ts', 'require.cts'],
      }),
    );
    await run(join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.emit.json'], {
      cwd: project,
    });
    const cjs = await run('node', ['out/require.cjs'], { cwd: project });
    log(cjs.output.trim());

    await api.ready;
    log(`live API at ${api.url}`);
    const live = await run('node', ['out/correct.js'], {
      cwd: project,
      env: {
        ...process.env,
        EVENTLY_URL: api.url,
        EVENTLY_ADMIN_EMAIL: api.admin.email,
        EVENTLY_ADMIN_PASSWORD: api.admin.password,
      },
    });
    for (const line of live.output.trim().split('\n')) log(`  ${line}`);
    ok = true;
  } finally {
    await api.stop();
    if (ok) await rm(work, { recursive: true, force: true });
    else log(`kept ${work} for a look`);
  }
  log(`passed in ${elapsed()}`);
}

main().catch((error) => {
  console.error(`[consumer-check ${elapsed()}] FAILED: ${error.message}`);
  process.exit(1);
});

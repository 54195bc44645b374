import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (file: string) => readFile(`${root}dist/${file}`, 'utf8');

/** Module specifiers a file imports or requires (static and dynamic). */
function specifiers(source: string): string[] {
  const found = [
    ...source.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
  ];
  return found.map((m) => m[1] ?? '');
}

const PUBLISHED_IMPORT = /^(@trpc\/(client|server)|zod)(\/|$)/;

interface Manifest {
  exports: unknown;
  sideEffects: unknown;
  files: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  publishConfig: {
    exports: Record<string, unknown>;
    main: string;
    module: string;
    types: string;
  };
}

describe('SDK build', () => {
  beforeAll(async () => {
    await promisify(execFile)(`${root}node_modules/.bin/tsup`, [], { cwd: root });
  }, 180_000);

  it('emits self-contained declarations for both formats, importing only @trpc/* and zod', async () => {
    for (const file of ['index.d.ts', 'index.d.cts']) {
      const dts = await dist(file);
      const imported = specifiers(dts);
      expect(imported.length).toBeGreaterThan(0);
      for (const specifier of imported) expect(specifier, file).toMatch(PUBLISHED_IMPORT);
      expect(dts, file).not.toContain('@evently/');
      // The router's procedures are in the declarations, typed.
      expect(dts, file).toContain('info: _trpc_server');
      expect(dts, file).toMatch(/declare function createEventlyClient\b/);
    }
  });

  it('emits ESM and CommonJS that load, with @evently/contracts bundled in', async () => {
    const esm = await dist('index.js');
    const cjs = await dist('index.cjs');
    expect(esm).not.toMatch(/\brequire\(/);
    expect(cjs).toMatch(/\brequire\(/);
    for (const [file, source] of [
      ['index.js', esm],
      ['index.cjs', cjs],
    ] as const) {
      expect(source, file).not.toContain('@evently/');
      for (const specifier of specifiers(source)) expect(specifier, file).toMatch(PUBLISHED_IMPORT);
    }
    const fromEsm: Record<string, unknown> = await import(
      pathToFileURL(`${root}dist/index.js`).href
    );
    const fromCjs: Record<string, unknown> = createRequire(import.meta.url)(
      `${root}dist/index.cjs`,
    );
    expect(typeof fromEsm.createEventlyClient).toBe('function');
    expect(typeof fromCjs.createEventlyClient).toBe('function');
    // Both formats export the same names (schemas, helpers, error guard).
    expect(Object.keys(fromCjs).sort()).toEqual(Object.keys(fromEsm).sort());
  });

  it('publishes an exports map with types first under import and require', async () => {
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as Manifest;
    // The workspace runs the SDK from source; packing swaps in the dist entry points.
    expect(pkg.exports).toEqual({ '.': './src/index.ts' });
    const entry = pkg.publishConfig.exports['.'] as Record<string, Record<string, string>>;
    expect(Object.keys(entry)).toEqual(['import', 'require']);
    expect(entry.import).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(entry.require).toEqual({ types: './dist/index.d.cts', default: './dist/index.cjs' });
    for (const condition of Object.values(entry)) expect(Object.keys(condition)[0]).toBe('types');
    expect(pkg.publishConfig).toMatchObject({
      main: './dist/index.cjs',
      module: './dist/index.js',
      types: './dist/index.d.cts',
    });
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toEqual(['dist']);
    // Bundled workspace packages must not be install-time dependencies of the tarball.
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }))
      expect(name).toMatch(PUBLISHED_IMPORT);
  });
});

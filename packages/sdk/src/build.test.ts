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

// standardwebhooks: verifyWebhook checks signatures with it (the receiving end of the server's).
const PUBLISHED_IMPORT = /^(@trpc\/(client|server)|zod|standardwebhooks)(\/|$)/;
/** The SDK's own files import each other (the Node entry re-exports the default one). */
const OWN_FILE = /^\.\/[\w.-]+\.(c?js)$/;
/** Only the Node entry may use Node's HTTP modules (its transport); the default one runs in browsers. */
const NODE_HTTP = /^(node:)?https?$/;

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

  it('emits self-contained declarations for both formats, importing only @trpc/*, zod and standardwebhooks', async () => {
    for (const file of ['index.d.ts', 'index.d.cts', 'index.node.d.ts', 'index.node.d.cts']) {
      const dts = await dist(file);
      const imported = specifiers(dts);
      expect(imported.length).toBeGreaterThan(0);
      for (const specifier of imported)
        expect(specifier, file).toMatch(
          new RegExp(`${PUBLISHED_IMPORT.source}|${OWN_FILE.source}`),
        );
      expect(dts, file).not.toContain('@evently/');
      expect(dts, file).toMatch(/declare function createEventlyClient\b/);
      // tRPC's types need Disposable; a consumer without @types/node gets it from here.
      expect(dts.startsWith('/// <reference lib="esnext.disposable" />\n'), file).toBe(true);
    }
    for (const file of ['index.d.ts', 'index.d.cts']) {
      // The router's procedures are in the declarations, typed.
      expect(await dist(file), file).toContain('info: _trpc_server');
    }
    // The Node entry's declarations take the default entry's of the same format.
    expect(specifiers(await dist('index.node.d.ts'))).toContain('./index.js');
    expect(specifiers(await dist('index.node.d.cts'))).toContain('./index.cjs');
  });

  it('emits ESM and CommonJS that load, with @evently/contracts bundled in', async () => {
    for (const [file, node] of [
      ['index.js', false],
      ['index.cjs', false],
      ['index.node.js', true],
      ['index.node.cjs', true],
    ] as const) {
      const source = await dist(file);
      expect(source, file).toMatch(
        file.endsWith('.cjs') ? /\brequire\(/ : /^(?![\s\S]*\brequire\()/,
      );
      expect(source, file).not.toContain('@evently/');
      const allowed = node
        ? new RegExp(`${PUBLISHED_IMPORT.source}|${OWN_FILE.source}|${NODE_HTTP.source}`)
        : new RegExp(`${PUBLISHED_IMPORT.source}|${OWN_FILE.source}`);
      for (const specifier of specifiers(source)) expect(specifier, file).toMatch(allowed);
    }
    const load = async (file: string): Promise<Record<string, unknown>> =>
      file.endsWith('.cjs')
        ? createRequire(import.meta.url)(`${root}dist/${file}`)
        : await import(pathToFileURL(`${root}dist/${file}`).href);
    const [esm, cjs, nodeEsm, nodeCjs] = await Promise.all(
      ['index.js', 'index.cjs', 'index.node.js', 'index.node.cjs'].map(load),
    );
    for (const entry of [esm, cjs, nodeEsm, nodeCjs])
      expect(typeof entry?.createEventlyClient).toBe('function');
    // Both formats export the same names (schemas, helpers, error guard); the Node entry adds
    // its transport.
    const names = Object.keys(esm ?? {}).sort();
    expect(Object.keys(cjs ?? {}).sort()).toEqual(names);
    expect(Object.keys(nodeEsm ?? {}).sort()).toEqual([...names, 'createNodeFetch'].sort());
    expect(Object.keys(nodeCjs ?? {}).sort()).toEqual([...names, 'createNodeFetch'].sort());
  });

  it('publishes an exports map with types first under import and require', async () => {
    const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8')) as Manifest;
    // The workspace runs the SDK from source; packing swaps in the dist entry points.
    expect(pkg.exports).toEqual({
      '.': { node: './src/index.node.ts', default: './src/index.ts' },
    });
    const entry = pkg.publishConfig.exports['.'] as Record<
      string,
      Record<string, Record<string, string>>
    >;
    // Node picks its entry first; bundlers for browsers fall through to import / require.
    expect(Object.keys(entry)).toEqual(['node', 'import', 'require']);
    expect(entry.node).toEqual({
      import: { types: './dist/index.node.d.ts', default: './dist/index.node.js' },
      require: { types: './dist/index.node.d.cts', default: './dist/index.node.cjs' },
    });
    expect(entry.import).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(entry.require).toEqual({ types: './dist/index.d.cts', default: './dist/index.cjs' });
    for (const leaf of [entry.node?.import, entry.node?.require, entry.import, entry.require])
      expect(Object.keys(leaf ?? {})[0]).toBe('types');
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

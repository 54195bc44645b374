import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('SDK build', () => {
  it('emits ESM and a self-contained .d.ts importing only @trpc/* and zod', async () => {
    await promisify(execFile)(`${root}node_modules/.bin/tsup`, [], { cwd: root });
    const dts = await readFile(`${root}dist/index.d.ts`, 'utf8');
    const imported = [...dts.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imported.length).toBeGreaterThan(0);
    for (const specifier of imported)
      expect(specifier).toMatch(/^(@trpc\/(client|server)|zod)(\/|$)/);
    // The router's procedures are in the declarations, typed.
    expect(dts).toContain('info: _trpc_server');
    const js = await readFile(`${root}dist/index.js`, 'utf8');
    expect(js).toContain('createEventlyClient');
    expect(js).not.toMatch(/require\(/);
  });
});

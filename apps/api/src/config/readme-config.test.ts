import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiEnvSchema } from '../env.js';

// The README's configuration table is what an operator reads: every variable the processes read
// has its row (the worker's variables are a subset of the API's, see apps/worker/src/env.test.ts),
// and no row names a variable nothing reads.
describe('README configuration table', () => {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('## Configuration'));
  const rows = table.slice(0, table.indexOf('\n## ', 1));
  const named = new Set([...rows.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] ?? ''));
  const read = Object.keys(apiEnvSchema.shape);

  it('has a row for every variable', () => {
    expect(read.filter((name) => !named.has(name))).toEqual([]);
  });

  it('names no variable the processes do not read', () => {
    expect([...named].filter((name) => !read.includes(name))).toEqual([]);
  });
});

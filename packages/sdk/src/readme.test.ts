import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { appCodes } from './index.js';

// The README is what SDK users read to know which codes to switch on: it must list them all.
describe('SDK README', () => {
  it('lists exactly the app codes, in order', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const paragraph = /The codes \(`appCodes`, type `AppCode`\):([\s\S]*?)\n\n/.exec(readme)?.[1];
    expect(paragraph, 'the codes paragraph').toBeDefined();
    const listed = [...(paragraph ?? '').matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]);
    expect(listed).toEqual([...appCodes]);
  });
});

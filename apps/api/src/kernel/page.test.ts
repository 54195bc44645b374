import { decodeCursor } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { keysetPage, rowsFor } from './page.js';

describe('keysetPage', () => {
  const shape = { item: (n: number) => `#${n}`, sortKey: (n: number) => ({ n }) };

  it('keeps `limit` items and points the cursor at the last one when more rows were read', () => {
    const page = keysetPage([1, 2, 3], 2, shape);
    expect(page.items).toEqual(['#1', '#2']);
    expect(decodeCursor(page.nextCursor ?? '', z.object({ n: z.number() }))).toEqual({ n: 2 });
  });

  it('ends the list when no extra row came back', () => {
    expect(keysetPage([1, 2], 2, shape)).toEqual({ items: ['#1', '#2'], nextCursor: null });
    expect(keysetPage([], 2, shape)).toEqual({ items: [], nextCursor: null });
  });

  it('reads one row more than it shows', () => {
    expect(rowsFor(20)).toBe(21);
  });
});

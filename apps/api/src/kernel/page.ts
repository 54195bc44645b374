import { type CursorValues, encodeCursor, type Page } from '@evently/contracts';

/**
 * One keyset page from rows read with `limit + 1` — the extra row only says that there is more:
 * the first `limit` rows as items, and the cursor of the last of them (its sort key, as the
 * list's input schema decodes it) when a next page exists.
 */
export function keysetPage<R, T>(
  rows: readonly R[],
  limit: number,
  shape: { item: (row: R) => T; sortKey: (row: R) => CursorValues },
): Page<T> {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  return {
    items: kept.map((row) => shape.item(row)),
    nextCursor:
      rows.length > limit && last !== undefined ? encodeCursor(shape.sortKey(last)) : null,
  };
}

/** The rows a page reads: one more than it shows. */
export function rowsFor(limit: number): number {
  return limit + 1;
}

import { z } from 'zod';

const keySchema = z.string().min(1);
const ttlSchema = z.number().int().positive();

/** Checks a `set` call and turns the value into the JSON both caches store. */
export function encodeCacheEntry(key: string, value: unknown, ttlMs: number): string {
  keySchema.parse(key);
  ttlSchema.parse(ttlMs);
  const json = JSON.stringify(value);
  // JSON.stringify(undefined), of a function or a symbol gives undefined: not a JSON value.
  if (json === undefined) throw new TypeError(`cache value for ${key} is not JSON-serialisable`);
  return json;
}

export function decodeCacheEntry<T>(json: string | null | undefined): T | undefined {
  if (json === null || json === undefined) return undefined;
  // The cache holds what `set` was given; the caller owns its shape.
  return JSON.parse(json) as T;
}

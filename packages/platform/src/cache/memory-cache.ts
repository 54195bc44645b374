import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { CachePort } from './cache.port.js';
import { decodeCacheEntry, encodeCacheEntry } from './cache-entry.js';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used go first. */
  max: number;
}

const optionsSchema = z.object({ max: z.number().int().positive() });

/**
 * In-process cache for the embedded mode. Entries are kept as JSON text, like in Redis, so a
 * caller mutating what it stored or got back never changes the cached value.
 */
export function createMemoryCache(options: MemoryCacheOptions): CachePort {
  const { max } = optionsSchema.parse(options);
  const entries = new LRUCache<string, string>({ max });

  return {
    async get<T>(key: string) {
      return decodeCacheEntry<T>(entries.get(key));
    },
    async set(key, value, ttlMs) {
      entries.set(key, encodeCacheEntry(key, value, ttlMs), { ttl: ttlMs });
    },
    async add(key, value, ttlMs) {
      const json = encodeCacheEntry(key, value, ttlMs);
      // has() honours the TTL: an expired entry is absent.
      if (entries.has(key)) return false;
      entries.set(key, json, { ttl: ttlMs });
      return true;
    },
    async del(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async close() {
      entries.clear();
    },
  };
}

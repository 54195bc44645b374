import { LRUCache } from 'lru-cache';

/** One value kept in process, stamped with the generation of its scope it was read under. */
export interface LocalEntry {
  scope: string;
  generation: string;
  /** Kept as JSON text: every hit parses a fresh copy, so no caller shares a mutable object. */
  json: string;
}

/** An LRU of values that can drop every entry of a scope at once. */
export interface ScopedLru {
  get(scope: string, key: string): LocalEntry | undefined;
  set(scope: string, key: string, generation: string, json: string): void;
  dropScopes(scopes: Iterable<string>): void;
  readonly size: number;
  clear(): void;
}

// Length-prefixed, so no choice of scope and key can collide with another pair.
const entryId = (scope: string, key: string) => `${scope.length}:${scope}${key}`;

export function createScopedLru(options: { max: number; ttlMs: number }): ScopedLru {
  const idsByScope = new Map<string, Set<string>>();
  const entries = new LRUCache<string, LocalEntry>({
    max: options.max,
    ttl: options.ttlMs,
    // Keeps the scope index in step with whatever removes an entry: eviction, expiry, delete.
    disposeAfter(entry, id, reason) {
      // 'set' means replaced under the same id: the id is still cached.
      if (reason === 'set') return;
      const ids = idsByScope.get(entry.scope);
      ids?.delete(id);
      if (ids?.size === 0) idsByScope.delete(entry.scope);
    },
  });

  return {
    get: (scope, key) => entries.get(entryId(scope, key)),
    set(scope, key, generation, json) {
      const id = entryId(scope, key);
      entries.set(id, { scope, generation, json });
      let ids = idsByScope.get(scope);
      if (!ids) {
        ids = new Set();
        idsByScope.set(scope, ids);
      }
      ids.add(id);
    },
    dropScopes(scopes) {
      for (const scope of scopes) {
        const ids = idsByScope.get(scope);
        if (!ids) continue;
        for (const id of [...ids]) entries.delete(id);
        idsByScope.delete(scope);
      }
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
      idsByScope.clear();
    },
  };
}

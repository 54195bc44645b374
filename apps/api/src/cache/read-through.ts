import type { CachePort } from '@evently/platform';

interface ReadThroughLog {
  warn(obj: object, msg?: string): void;
}

/**
 * A state every request checks (a session, a member's roles, an API key), read through the
 * cache port: from the cache; on a miss, or with the cache unreachable, from `load`. A loaded
 * state is kept for `ttlMs` — short, so a missed invalidation heals itself soon — and read again
 * after the fill: a change committed between our read and our fill had its invalidation run
 * before the fill and would otherwise stay hidden for a whole TTL. Nothing is kept for
 * `undefined` (whoever asks chose the key).
 */
export async function readThrough<T extends object>(
  deps: { cache: CachePort; log: ReadThroughLog },
  key: string,
  load: () => Promise<T | undefined>,
  options: { ttlMs: number; unavailable: string },
): Promise<T | undefined> {
  const cached = await deps.cache.get<T>(key).catch((error: unknown) => {
    deps.log.warn({ err: error }, options.unavailable);
    return undefined;
  });
  if (cached) return cached;
  const state = await load();
  if (state === undefined) return undefined;
  const filled = await deps.cache.set(key, state, options.ttlMs).then(
    () => true,
    () => false,
  );
  if (!filled) return state;
  const after = await load();
  if (after === undefined || JSON.stringify(after) !== JSON.stringify(state)) {
    await deps.cache.del(key).catch(() => {});
  }
  return after;
}

/**
 * Read-through cache for data that must never be served stale once a write has returned, on any
 * API instance: an in-process LRU (L1) in front of the cache port (L2, Redis in production).
 *
 * Correctness rests on generations, not on pub/sub timing. Every scope has a generation in the
 * cache port (`gen:<scope>`, a random UUID). A read first gets it (one Redis GET) and only uses a
 * value stamped with it: L1 entries carry their generation, L2 keys contain it
 * (`val:<scope>:<gen>:<key>`). A value loaded from the source is stamped with the generation
 * read BEFORE the load, so a load that raced with a write ends up under a generation that the
 * write's invalidation has already replaced. Generations are random, never counters: a Redis that
 * restarted empty (or evicted `gen:` keys) hands out new ones and old entries can never match.
 * A scope gets its generation from the first read that has a value to keep (SET NX, after the
 * load): a read whose load finds nothing (`undefined`) writes nothing at all, so reads of ids
 * that do not exist cannot fill the cache port. Pub/sub only drops the other instances' L1
 * entries early (memory hygiene).
 *
 * How a writer uses it — invalidate twice:
 *
 *   await cache.invalidate(...scopes);                       // 1. BEFORE commit
 *   await commit();
 *   await cache.invalidate(...scopes).catch(logTheFailure);  // 2. AFTER commit
 *
 * 1. rejects when the cache port is unreachable: abort the write (SERVICE_UNAVAILABLE) rather
 *    than commit a change that cached copies would keep hiding. It also retires every entry
 *    cached before the write.
 * 2. retires what was loaded while the transaction ran (those loads saw the old row but were
 *    stamped with generation 1). If it fails, only those few entries can be stale, and for at
 *    most l2TtlMs + l1TtlMs; the caller logs it (and may retry).
 *
 * Trust window (`trustMs`): a generation read from the port is used without asking again for
 * `trustMs`, counted from when the read was SENT; `invalidate` resolves only `trustMs` after the
 * port took the new generations. A read that asked before the new generation was stored therefore
 * stops trusting the old one before the writer's `invalidate` returns, and one that asked after
 * it gets the new one: still no instance serves a value its writer has seen replaced, while a hot
 * key costs one generation read per `trustMs` per instance instead of one per read. Both ends
 * measure a duration on their own monotonic clock; no clocks are compared.
 *
 * Known limit: a Redis failover that loses the latest `gen:` writes (asynchronous replication)
 * brings back an older generation and its entries, until the TTLs run out.
 */
import { randomUUID } from 'node:crypto';
import type { CachePort, PubSubPort, Unsubscribe } from '@evently/platform';
import { z } from 'zod';
import type { GenerationSource } from '../kernel/public-answer.js';
import { createScopedLru } from './scoped-lru.js';
import { sleepAtLeast } from './sleep-at-least.js';
import { throttledWarning, type WarnLog } from './throttled-warning.js';

export interface VersionedCacheOptions {
  cache: CachePort;
  pubsub: PubSubPort;
  log: WarnLog;
  /** Most values kept in process (default 1,000). */
  l1Max?: number;
  /** How long a value stays in process (default 60 s); it is checked on every read anyway. */
  l1TtlMs?: number;
  /** How long a value stays in the cache port (default 5 min): bounds a failed invalidation. */
  l2TtlMs?: number;
  /** Pub/sub channel shared by every instance (default `versioned-cache:invalidate`). */
  channel?: string;
  /**
   * How long a generation read from the port is trusted (default 0: asked on every read); every
   * `invalidate` then waits this long before it resolves. See "Trust window" above.
   */
  trustMs?: number;
  /** Monotonic milliseconds and a wait of at least `ms` (tests drive both; default performance.now). */
  clock?: { now(): number; sleep(ms: number): Promise<void> };
}

/** Counters for metrics and tests; `l1Entries` is the current number of in-process values. */
export interface VersionedCacheStats {
  l1Hits: number;
  l2Hits: number;
  loads: number;
  /** Loads whose value was returned but not kept (`unkept`). */
  unkept: number;
  /** Generations read from the cache port (one per read unless `trustMs` lets reads share). */
  generationReads: number;
  /** Reads served straight from `load()` because the cache port was unreachable. */
  bypasses: number;
  l1Entries: number;
}

/**
 * A loaded value to return but not to keep: one that may predate the generation it would be
 * stamped with (a read from a replica that has not replayed the latest write, say).
 */
export class Unkept<T> {
  constructor(readonly value: T) {}
}

export const unkept = <T>(value: T): Unkept<T> => new Unkept(value);

export interface VersionedCache extends GenerationSource {
  /**
   * The value of `key` in `scope`, from L1, L2 or `load()`. Values are JSON: what is returned is
   * always a fresh parsed copy (a Date comes back as its ISO string on every path). `undefined`
   * from `load()` is returned but not cached; return `null` to cache "not found", and
   * `unkept(value)` for a value to return without caching it. Concurrent reads of the same key
   * under the same generation share one `load()`.
   */
  read<T>(scope: string, key: string, load: () => Promise<T | Unkept<T>>): Promise<T>;
  /** Retires every cached value of these scopes on all instances; rejects if the cache port is unreachable. */
  invalidate(...scopes: string[]): Promise<void>;
  /** Subscribes to other instances' invalidations. Reads are correct without it, just use more memory. */
  start(): Promise<void>;
  /** Unsubscribes and empties L1; the ports belong to the caller and stay open. */
  close(): Promise<void>;
  stats(): VersionedCacheStats;
}

const optionsSchema = z.object({
  l1Max: z.number().int().positive().default(1_000),
  l1TtlMs: z.number().int().positive().default(60_000),
  l2TtlMs: z.number().int().positive().default(300_000),
  channel: z.string().min(1).default('versioned-cache:invalidate'),
  trustMs: z.number().int().nonnegative().max(1_000).default(0),
});
const scopeSchema = z.string().min(1);
const scopesMessageSchema = z.array(scopeSchema);
const generationSchema = z.string().min(1);

/** Long: an expired generation only costs misses, never correctness. */
const GENERATION_TTL_MS = 24 * 60 * 60 * 1_000;

const generationKey = (scope: string) => `gen:${scope}`;
const valueKey = (scope: string, generation: string, key: string) =>
  `val:${scope}:${generation}:${key}`;

/** What a load shared by concurrent reads hands each of them: the JSON, and whether it was kept. */
interface Flight {
  json: string | undefined;
  kept: boolean;
}

/** Thrown inside a read when the cache port fails: the read falls back to `load()`. */
class Unreachable {
  constructor(readonly cause: unknown) {}
}

export function createVersionedCache(options: VersionedCacheOptions): VersionedCache {
  const { cache, pubsub, log } = options;
  const { l1Max, l1TtlMs, l2TtlMs, channel, trustMs } = optionsSchema.parse({
    l1Max: options.l1Max,
    l1TtlMs: options.l1TtlMs,
    l2TtlMs: options.l2TtlMs,
    channel: options.channel,
    trustMs: options.trustMs,
  });
  const clock = options.clock ?? { now: () => performance.now(), sleep: sleepAtLeast };
  const l1 = createScopedLru({ max: l1Max, ttlMs: l1TtlMs });
  const counters = {
    l1Hits: 0,
    l2Hits: 0,
    loads: 0,
    unkept: 0,
    bypasses: 0,
    generationReads: 0,
  };
  /** Reads that returned a value not kept (`passedOver`). */
  let passedOver = 0;
  /** Per scope: a generation and when the read that returned (or stored) it was sent. */
  const trusted = new Map<string, { generation: string; askedAt: number }>();
  const warnUnreachable = throttledWarning(log, 'cache unreachable; reading the source directly');
  const warnFill = throttledWarning(log, 'cannot store a value in the cache');
  const warnPublish = throttledWarning(log, 'cannot publish a cache invalidation');
  const warnMessage = throttledWarning(log, 'ignored a malformed cache invalidation message');
  // Keyed by generation too (`-` for none yet): a read that started after an invalidation never
  // joins an older load; a cold scope read by many requests at once loads once per instance.
  const loading = new Map<string, Promise<Flight>>();
  let unsubscribe: Unsubscribe | undefined;

  const viaPort = async <R>(call: () => Promise<R>): Promise<R> => {
    try {
      return await call();
    } catch (error) {
      throw new Unreachable(error);
    }
  };

  const trust = (scope: string, generation: string, askedAt: number) => {
    if (trustMs === 0) return;
    // At most l1Max scopes at once (only scopes that have a generation get here).
    if (trusted.size >= l1Max && !trusted.has(scope)) trusted.clear();
    trusted.set(scope, { generation, askedAt });
  };

  const trustedGeneration = (scope: string): string | undefined => {
    const known = trusted.get(scope);
    return known && clock.now() - known.askedAt < trustMs ? known.generation : undefined;
  };

  /**
   * Generation reads in flight, with when each was sent. A read may join one sent less than
   * `trustMs` ago: that is the answer it would trust anyway (a write whose `invalidate` has
   * returned stored its generation more than `trustMs` before, so the joined read sees it).
   */
  const asking = new Map<string, { sentAt: number; answer: Promise<string | undefined> }>();

  /** The scope's generation, or undefined while it has none. */
  const storedGeneration = async (scope: string): Promise<string | undefined> => {
    const known = trustedGeneration(scope);
    if (known !== undefined) return known;
    const pending = asking.get(scope);
    if (pending && clock.now() - pending.sentAt < trustMs) return pending.answer;
    const askedAt = clock.now();
    counters.generationReads += 1;
    const answer = (async () => {
      const stored = generationSchema.safeParse(
        await viaPort(() => cache.get<unknown>(generationKey(scope))),
      );
      if (!stored.success) return undefined;
      trust(scope, stored.data, askedAt);
      return stored.data;
    })();
    if (trustMs > 0) {
      const entry = { sentAt: askedAt, answer };
      asking.set(scope, entry);
      const done = () => {
        if (asking.get(scope) === entry) asking.delete(scope);
      };
      answer.then(done, done);
    }
    return answer;
  };

  /**
   * A read of a scope without a generation: load first, and only a value worth keeping creates
   * one — a read of something that does not exist (a random event id) leaves nothing behind.
   * The generation is added only if the scope still has none (SET NX): any write since our GET
   * set one, and then what we loaded may predate it, so it is returned but not kept.
   */
  const loadIntoNewGeneration = async <T>(
    scope: string,
    key: string,
    load: () => Promise<T | Unkept<T>>,
  ): Promise<Flight> => {
    const loaded = await loadOnce(load);
    if (loaded === undefined) return { json: undefined, kept: true };
    if (!loaded.keep) return { json: loaded.json, kept: false };
    const { value, json } = loaded;
    const generation = randomUUID();
    const askedAt = clock.now();
    const created = await viaPort(() =>
      cache.add(generationKey(scope), generation, GENERATION_TTL_MS),
    );
    if (!created) return { json, kept: false };
    trust(scope, generation, askedAt);
    await cache
      .set(valueKey(scope, generation, key), value, l2TtlMs)
      .catch((error: unknown) => warnFill({ err: error, scope }));
    l1.set(scope, key, generation, json);
    return { json, kept: true };
  };

  /** The value's JSON under `generation`, from L2 or the source; fills both levels. */
  const fill = async <T>(
    scope: string,
    key: string,
    generation: string,
    load: () => Promise<T | Unkept<T>>,
  ): Promise<Flight> => {
    const shared = await viaPort(() => cache.get<unknown>(valueKey(scope, generation, key)));
    if (shared !== undefined) {
      counters.l2Hits += 1;
      const json = JSON.stringify(shared);
      l1.set(scope, key, generation, json);
      return { json, kept: true };
    }
    const loaded = await loadOnce(load);
    if (loaded === undefined) return { json: undefined, kept: true };
    if (!loaded.keep) return { json: loaded.json, kept: false };
    const { value, json } = loaded;
    // The port stores JSON.stringify(value): exactly the text L1 keeps and callers parse.
    await cache
      .set(valueKey(scope, generation, key), value, l2TtlMs)
      .catch((error: unknown) => warnFill({ err: error, scope }));
    l1.set(scope, key, generation, json);
    return { json, kept: true };
  };

  /** Runs `load()`; undefined for "nothing", else the value, its JSON and whether to keep it. */
  const loadOnce = async <T>(
    load: () => Promise<T | Unkept<T>>,
  ): Promise<{ value: T; json: string; keep: boolean } | undefined> => {
    counters.loads += 1;
    const loaded = await load();
    const keep = !(loaded instanceof Unkept);
    const value = loaded instanceof Unkept ? (loaded.value as T) : loaded;
    if (value === undefined) return undefined;
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('a cached value must be JSON');
    if (!keep) counters.unkept += 1;
    return { value, json, keep };
  };

  const parse = <T>(json: string | undefined): T =>
    (json === undefined ? undefined : JSON.parse(json)) as T;

  /** A flight's answer to one caller; counted when it was not kept (counted per caller). */
  const served = <T>(flight: Flight): T => {
    if (!flight.kept) passedOver += 1;
    return parse<T>(flight.json);
  };

  const read = async <T>(
    scope: string,
    key: string,
    load: () => Promise<T | Unkept<T>>,
  ): Promise<T> => {
    scopeSchema.parse(scope);
    try {
      const generation = await storedGeneration(scope);
      if (generation === undefined) {
        // Without a generation no L1 entry can be trusted (it names one that is gone).
        const flightId = `-:${scope.length}:${scope}${key}`;
        let flight = loading.get(flightId);
        if (!flight) {
          flight = loadIntoNewGeneration(scope, key, load).finally(() => loading.delete(flightId));
          loading.set(flightId, flight);
        }
        return served<T>(await flight);
      }
      const local = l1.get(scope, key);
      if (local?.generation === generation) {
        counters.l1Hits += 1;
        return parse<T>(local.json);
      }
      const flightId = `${generation}:${scope.length}:${scope}${key}`;
      let flight = loading.get(flightId);
      if (!flight) {
        flight = fill(scope, key, generation, load).finally(() => loading.delete(flightId));
        loading.set(flightId, flight);
      }
      return served<T>(await flight);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      // Without generations L1 cannot be trusted either: go to the source.
      warnUnreachable({ err: error.cause, scope });
      counters.bypasses += 1;
      passedOver += 1;
      const loaded = await load();
      return parse<T>(JSON.stringify(loaded instanceof Unkept ? loaded.value : loaded));
    }
  };

  return {
    read,
    trusted: trustedGeneration,
    current: storedGeneration,
    passedOver: () => passedOver,

    async invalidate(...scopes) {
      const unique = [...new Set(scopes.map((scope) => scopeSchema.parse(scope)))];
      if (unique.length === 0) return;
      // Rejects when the cache port is unreachable: the caller must know.
      await Promise.all(
        unique.map((scope) => cache.set(generationKey(scope), randomUUID(), GENERATION_TTL_MS)),
      );
      l1.dropScopes(unique);
      // A read of this instance that asked before the sets may have trusted the old generation.
      for (const scope of unique) trusted.delete(scope);
      // The generations are set, so correctness no longer depends on this message.
      await pubsub
        .publish(channel, JSON.stringify(unique))
        .catch((error: unknown) => warnPublish({ err: error, scopes: unique.length }));
      // Until every other instance's trust in the old generations has run out.
      if (trustMs > 0) await clock.sleep(trustMs);
    },

    async start() {
      if (unsubscribe) return;
      unsubscribe = await pubsub.subscribe(channel, (message) => {
        let scopes: z.infer<typeof scopesMessageSchema>;
        try {
          scopes = scopesMessageSchema.parse(JSON.parse(message));
        } catch (error) {
          warnMessage({ err: error });
          return;
        }
        l1.dropScopes(scopes);
        for (const scope of scopes) trusted.delete(scope);
      });
    },

    async close() {
      const current = unsubscribe;
      unsubscribe = undefined;
      await current?.();
      l1.clear();
      trusted.clear();
    },

    stats: () => ({ ...counters, l1Entries: l1.size }),
  };
}

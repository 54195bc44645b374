/**
 * Whole answers to anonymous queries, kept in process and sent again without running the
 * procedure: the hot public reads (`events.get`, `events.list`) cost a map lookup instead of a
 * Redis round trip, a Postgres query, zod's output check and a JSON serialization.
 *
 * Two bounds keep it honest:
 * - Event data is never stale once its writer has returned, on any instance. An answer is stamped
 *   with the generations of the scopes it is built from, read BEFORE the procedure runs (so a
 *   write that raced with it leaves the answer under a generation already replaced), and every
 *   hit checks them again through the versioned cache's trust window: the same argument as the
 *   cache's own values (versioned-cache.ts, "Trust window").
 * - What is not cached there — live availability — is at most `maxAgeMs` old (by the injected
 *   clock). Signed-in callers never get a kept answer: a buyer sees their own booking at once.
 *
 * An answer built while a read passed over the cache (a lagging replica, Redis unreachable) is
 * not kept: it may predate its stamp. Only 200 answers are kept; errors always run the procedure.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../kernel/clock.js';
import type { GenerationSource, PublicAnswerRule } from '../kernel/public-answer.js';

/** A kept answer: the body as sent, and the generations it was built under. */
interface KeptAnswer {
  body: string;
  /** How many calls it answers (a batch kept whole answers several). */
  calls: number;
  keptAt: number;
  stamps: readonly Stamp[];
}

interface Stamp {
  source: GenerationSource;
  scope: string;
  generation: string;
}

/** One call of a request: a procedure's path and its parsed input. */
export interface AnswerCall {
  path: string;
  input: unknown;
}

/** What to call after running a request whose answer may be kept. */
export interface AnswerKeeper {
  /** Keeps the answer's body if nothing it was built from was passed over meanwhile. */
  keep(body: string): void;
}

export interface PublicAnswers {
  /** Whether anonymous calls of `path` may be answered from memory at all. */
  covers(path: string): boolean;
  /**
   * The kept answer under `key`, if it is still fresh. The caller chooses keys: one per call,
   * or a request's raw URL (a hit then parses nothing; the same call spelled differently is a
   * miss, kept on its own).
   */
  find(key: string): Promise<string | undefined>;
  /**
   * Before running the calls (one, or a batch answered as one body): a keeper for their answer
   * under `key`, or undefined if it cannot be kept.
   */
  prepare(key: string, calls: readonly AnswerCall[]): Promise<AnswerKeeper | undefined>;
  /** `hits`: calls found answered (a batch kept whole counts each); `kept`: answers kept. */
  stats(): { hits: number; kept: number; entries: number };
}

export interface PublicAnswersOptions {
  rules: readonly PublicAnswerRule[];
  /** How old live parts of an answer (availability) may be; 0 keeps nothing. */
  maxAgeMs: number;
  now: Clock;
  /** Most answers kept (default 1,000; a page of 20 events is about 10 KB). */
  max?: number;
  /** Most bytes of answers kept (default 16 MiB). */
  maxBytes?: number;
}

/**
 * A second is what an organizer's page can show as "available now" during an on-sale: buyers
 * book against the database, never against this figure.
 */
export const PUBLIC_READ_MAX_AGE_MS = 1_000;

/** Whether each stamp's generation is still current (trusted, or read again). */
async function stillCurrent(stamps: readonly Stamp[]): Promise<boolean> {
  let ask = false;
  for (const stamp of stamps) {
    const known = stamp.source.trusted(stamp.scope);
    if (known === undefined) ask = true;
    else if (known !== stamp.generation) return false;
  }
  if (!ask) return true;
  for (const stamp of stamps) {
    const now = await stamp.source.current(stamp.scope);
    if (now !== stamp.generation) return false;
  }
  return true;
}

export function createPublicAnswers(options: PublicAnswersOptions): PublicAnswers {
  const rules = new Map(options.rules.map((rule) => [rule.path, rule]));
  const answers = new LRUCache<string, KeptAnswer>({
    max: options.max ?? 1_000,
    // Bounded in bytes too: a page of 100 events is about 50 KB, and a key (a URL) may be long.
    maxSize: options.maxBytes ?? 16 * 1024 * 1024,
    sizeCalculation: (answer, key) => answer.body.length + key.length + 256,
  });
  const counters = { hits: 0, kept: 0 };
  const clock = () => options.now().getTime();

  return {
    covers: (path) => options.maxAgeMs > 0 && rules.has(path),

    async find(key) {
      const answer = answers.get(key);
      if (!answer) return undefined;
      const age = clock() - answer.keptAt;
      // A clock set back makes the age negative: not trusted either.
      const fresh =
        age >= 0 &&
        age < options.maxAgeMs &&
        (await stillCurrent(answer.stamps).catch(() => false));
      if (!fresh) {
        if (answers.get(key) === answer) answers.delete(key);
        return undefined;
      }
      counters.hits += answer.calls;
      return answer.body;
    },

    async prepare(key, calls) {
      if (options.maxAgeMs <= 0 || calls.length === 0) return undefined;
      const keptAt = clock();
      const wanted: { source: GenerationSource; scope: string }[] = [];
      for (const call of calls) {
        const rule = rules.get(call.path);
        const scopes = rule?.scopes(call.input);
        if (!rule || !scopes) return undefined;
        for (const scope of scopes) wanted.push({ source: rule.generations, scope });
      }
      const sources = [...new Set(wanted.map((w) => w.source))];
      const passedOver = sources.map((source) => source.passedOver());
      const read = await Promise.all(
        wanted.map(({ source, scope }) => source.current(scope)),
      ).catch(() => undefined);
      if (!read) return undefined;
      const stamps: Stamp[] = [];
      for (const [i, { source, scope }] of wanted.entries()) {
        const generation = read[i];
        // A scope without a generation yet: the call's own read creates one; keep the next.
        if (generation === undefined) return undefined;
        stamps.push({ source, scope, generation });
      }
      return {
        keep(body) {
          if (sources.some((source, i) => source.passedOver() !== passedOver[i])) return;
          counters.kept += 1;
          answers.set(key, { body, calls: calls.length, keptAt, stamps });
        },
      };
    },

    stats: () => ({ ...counters, entries: answers.size }),
  };
}

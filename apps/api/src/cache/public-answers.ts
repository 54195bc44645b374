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

/** A kept answer: the body as sent, and what it was built under. */
interface KeptAnswer {
  body: string;
  keptAt: number;
  rule: PublicAnswerRule;
  scopes: readonly string[];
  generations: readonly string[];
}

/** What to call after running a call whose answer may be kept. */
export interface AnswerKeeper {
  /** Keeps the answer's body if nothing it was built from was passed over meanwhile. */
  keep(body: string): void;
}

export interface PublicAnswers {
  /** Whether anonymous calls of `path` may be answered from memory at all. */
  covers(path: string): boolean;
  /** A kept answer to this call (path and raw `input` text) that is still fresh, if any. */
  find(path: string, input: string | undefined): Promise<string | undefined>;
  /** Before running the call: a keeper for its answer, or undefined when it cannot be kept. */
  prepare(path: string, input: string | undefined): Promise<AnswerKeeper | undefined>;
  stats(): { hits: number; kept: number; entries: number };
}

export interface PublicAnswersOptions {
  rules: readonly PublicAnswerRule[];
  /** How old live parts of an answer (availability) may be; 0 keeps nothing. */
  maxAgeMs: number;
  now: Clock;
  /** Most answers kept (default 1,000; a page of 20 events is about 10 KB). */
  max?: number;
}

/**
 * A second is what an organizer's page can show as "available now" during an on-sale: buyers
 * book against the database, never against this figure.
 */
export const PUBLIC_READ_MAX_AGE_MS = 1_000;

// Length-prefixed, so no path and input can collide with another pair.
const keyOf = (path: string, input: string | undefined) =>
  `${path.length}:${path}${input ?? ''}`;

/** Whether each scope's generation is still the stamped one (trusted, or read again). */
async function stillCurrent(answer: KeptAnswer, source: GenerationSource): Promise<boolean> {
  let ask = false;
  for (const [i, scope] of answer.scopes.entries()) {
    const known = source.trusted(scope);
    if (known === undefined) ask = true;
    else if (known !== answer.generations[i]) return false;
  }
  if (!ask) return true;
  const now = await source.current(answer.scopes);
  return now.every((generation, i) => generation === answer.generations[i]);
}

export function createPublicAnswers(options: PublicAnswersOptions): PublicAnswers {
  const rules = new Map(options.rules.map((rule) => [rule.path, rule]));
  const answers = new LRUCache<string, KeptAnswer>({ max: options.max ?? 1_000 });
  const counters = { hits: 0, kept: 0 };
  const clock = () => options.now().getTime();

  return {
    covers: (path) => options.maxAgeMs > 0 && rules.has(path),

    async find(path, input) {
      const key = keyOf(path, input);
      const answer = answers.get(key);
      if (!answer) return undefined;
      const fresh =
        clock() - answer.keptAt < options.maxAgeMs &&
        (await stillCurrent(answer, answer.rule.generations).catch(() => false));
      if (!fresh) {
        if (answers.get(key) === answer) answers.delete(key);
        return undefined;
      }
      counters.hits += 1;
      return answer.body;
    },

    async prepare(path, input) {
      const rule = rules.get(path);
      if (!rule || options.maxAgeMs <= 0) return undefined;
      let parsed: unknown;
      try {
        parsed = input === undefined ? undefined : JSON.parse(input);
      } catch {
        return undefined;
      }
      const scopes = rule.scopes(parsed);
      if (!scopes) return undefined;
      const source = rule.generations;
      const keptAt = clock();
      const passedOver = source.passedOver();
      const stamped = await source.current(scopes).catch(() => undefined);
      if (!stamped) return undefined;
      const generations: string[] = [];
      for (const generation of stamped) {
        // A scope without a generation yet: the call's own read creates one; keep the next.
        if (generation === undefined) return undefined;
        generations.push(generation);
      }
      return {
        keep(body) {
          if (source.passedOver() !== passedOver) return;
          counters.kept += 1;
          answers.set(keyOf(path, input), { body, keptAt, rule, scopes, generations });
        },
      };
    },

    stats: () => ({ ...counters, entries: answers.size }),
  };
}

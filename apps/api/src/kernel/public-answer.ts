/**
 * Answers to anonymous queries that the HTTP layer may keep whole, in process, and send again
 * without running the procedure (cache/public-answers.ts): a module names which of its queries
 * qualify and which cache scopes each answer is built from.
 */

/** Where a kept answer's scopes get their generations (a VersionedCache). */
export interface GenerationSource {
  /** The scope's generation if one was read within the trust window; undefined: ask `current`. */
  trusted(scope: string): string | undefined;
  /** The scope's generation now (undefined while it has none); rejects if unreachable. */
  current(scope: string): Promise<string | undefined>;
  /**
   * How many reads so far returned a value that was not kept (a lagging replica's, or read past
   * an unreachable cache port). An answer built while this moved is not kept either: it may
   * predate the generations it would be stamped with.
   */
  passedOver(): number;
}

export interface PublicAnswerRule {
  /** The procedure's path, e.g. `events.get`. */
  path: string;
  /** The scopes the answer to this raw input is built from; undefined: never keep it. */
  scopes(input: unknown): readonly string[] | undefined;
  generations: GenerationSource;
}

/** How a mail that fails to send is tried again. */
export interface MailRetryPolicy {
  /** Tries in all, the first included; after the last failed one the mail is a dead letter. */
  attempts: number;
  /** The wait after the first failed try; it doubles with each further one. */
  backoffMs: number;
  /** No wait is longer than this. */
  maxBackoffMs: number;
}

/** 5 s, 10 s, 20 s … 5 min 20 s: eight tries over about ten minutes, then a dead letter. */
export const DEFAULT_MAIL_RETRY: MailRetryPolicy = {
  attempts: 8,
  backoffMs: 5_000,
  maxBackoffMs: 15 * 60_000,
};

export type RetryDecision = { dead: true } | { dead: false; delayMs: number };

/**
 * What to do after a failed try, given how many tries had been made before it: exponential
 * backoff (base * 2^(n-1) after the n-th failure, like the job queue's) until the tries run out.
 */
export function afterFailure(policy: MailRetryPolicy, triesBefore: number): RetryDecision {
  const failed = triesBefore + 1;
  if (failed >= policy.attempts) return { dead: true };
  return {
    dead: false,
    delayMs: Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (failed - 1)),
  };
}

import type { Consumer, JobHandlerSpec, RetentionRule, Schedule } from '@evently/platform';
import type { PublicAnswerRule } from './public-answer.js';

/** Work a module runs in the worker beside its queue jobs (the mail sender's loop). */
export interface BackgroundLoop {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What a module hands the composition root (`createModules`): the service procedures and other
 * modules call, and what the worker runs for it. The worker's queues, retention pass and loops
 * are derived from these, never listed again elsewhere.
 */
export interface Module<S> {
  service: S;
  /** Reactions to domain events, delivered exactly once through the outbox. */
  consumers?: readonly Consumer[];
  /** Handlers of jobs the module enqueues itself (delayed expiries, on-demand batch jobs). */
  jobs?: readonly JobHandlerSpec[];
  /** Repeating jobs. */
  schedules?: readonly Schedule[];
  /** The module's finished records, pruned by the worker's retention pass after RETENTION_DAYS. */
  retention?: readonly RetentionRule[];
  loops?: readonly BackgroundLoop[];
  /** Anonymous queries whose answers the API may keep in memory (public-answer.ts). */
  publicAnswers?: readonly PublicAnswerRule[];
  /** Releases what the module holds (subscriptions, timers); called once, on shutdown. */
  close(): Promise<void>;
}

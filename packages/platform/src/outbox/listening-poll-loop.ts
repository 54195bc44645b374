import type { DbHandle } from '@evently/db';
import { createPollLoop, type PollLoopOptions } from './poll-loop.js';

export interface ListeningPollLoopOptions extends PollLoopOptions {
  db: Pick<DbHandle, 'listen'>;
  /** The NOTIFY channel whose notifications wake the loop. */
  channel: string;
  /** Names the loop in the warning when its LISTEN connection is lost ("outbox relay"). */
  name: string;
  log: { warn(obj: object, msg?: string): void };
}

export interface ListeningPollLoop {
  /** LISTENs, then starts polling. */
  start(): Promise<void>;
  /** Lets the running pass finish, then stops polling and listening. */
  stop(): Promise<void>;
}

/**
 * A poll loop woken by LISTEN/NOTIFY, as the outbox relay and the mail and webhook senders run.
 * NOTIFY is a hint: while its connection is away the loop still polls, and once it is back the
 * wake-up makes up for the notifications missed meanwhile.
 */
export function createListeningPollLoop(options: ListeningPollLoopOptions): ListeningPollLoop {
  const loop = createPollLoop(options);
  let unlisten: (() => Promise<void>) | undefined;
  return {
    async start() {
      unlisten = await options.db.listen(options.channel, () => loop.wake(), {
        onLost: (error) =>
          options.log.warn({ err: error }, `${options.name} lost its LISTEN; reconnecting`),
      });
      loop.start();
    },
    async stop() {
      await loop.stop();
      await unlisten?.();
      unlisten = undefined;
    },
  };
}

/**
 * Runs `lanes` copies of `next` side by side until each is told there is nothing more (false).
 * Once one fails the others take nothing more; all settle before the first failure is thrown
 * (a failed lane must not leave another running past the pass). Answers how many said true.
 */
export async function drainInLanes(lanes: number, next: () => Promise<boolean>): Promise<number> {
  let done = 0;
  let failed = false;
  const lane = async () => {
    try {
      while (!failed && (await next())) done += 1;
    } catch (error) {
      failed = true;
      throw error;
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return done;
}

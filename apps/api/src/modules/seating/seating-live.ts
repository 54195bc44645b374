import type { SeatingLiveInput } from '@evently/contracts';
import { asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Principal } from '../../kernel/principal.js';
import {
  type LiveSeatUpdate,
  liveId,
  type SeatBatch,
  type SeatFeed,
  updatesOf,
} from './seat-feed.js';
import { seatingRepository as repo } from './seating.repository.js';
import type { SeatingDeps } from './seating-change.js';
import { seatingLiveRepository as liveRepo } from './seating-live.repository.js';

/** A stream this many batches behind drops them and tells its client to read the map again. */
const MAX_BACKLOG = 1_000;

/** `seating.live`: who may watch an event's seats, and the stream itself. */
export interface SeatingLive {
  /** Throws unless `principal` may see the event's map (`event.view`: a draft's, members only). */
  authorizeLive(principal: Principal | null, eventId: string): Promise<void>;
  /** Checks access, then streams the event's seat changes (after `lastEventId` when given). */
  live(
    principal: Principal | null,
    input: SeatingLiveInput,
    signal: AbortSignal,
  ): Promise<AsyncIterable<LiveSeatUpdate>>;
}

function cursorOf(lastEventId: string | null | undefined) {
  if (!lastEventId) return undefined;
  const [plan, inventory] = lastEventId.split('.').map(Number);
  return plan === undefined || inventory === undefined ? undefined : { plan, inventory };
}

/** Waits for the next batch the feed hands the stream, or for the stream's end. */
function createInbox(signal: AbortSignal) {
  let batches: SeatBatch[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  signal.addEventListener('abort', () => wake?.(), { once: true });
  return {
    push(batch: SeatBatch) {
      if (batches.length >= MAX_BACKLOG) {
        batches = [];
        overflowed = true;
      } else batches.push(batch);
      wake?.();
    },
    async next(): Promise<SeatBatch | 'overflowed' | undefined> {
      for (;;) {
        if (signal.aborted) return undefined;
        if (overflowed) {
          overflowed = false;
          return 'overflowed';
        }
        const batch = batches.shift();
        if (batch) return batch;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    },
  };
}

export function createSeatingLive(deps: SeatingDeps & { feed: SeatFeed }): SeatingLive {
  const { db, roles, feed } = deps;

  async function authorizeLive(principal: Principal | null, eventId: string): Promise<void> {
    const event = await repo.event(db, eventId);
    if (!event) throw new AppError('NOT_FOUND', 'Event not found');
    authorize(principal, 'event.view', asMember(event, await roles.of(principal)));
  }

  /**
   * Listens first, then reads where the seats stand (and, resuming, what changed since the
   * client's id): a batch the feed hands over after that read holds every later change, and one
   * no newer than the read is skipped. The first message without a resumable id is
   * `{ planVersion }`: the client reads the map then (the stream is listening, so the read misses
   * nothing), as after a plan change or an overflow; every message's id resumes after it.
   */
  async function* stream(
    input: SeatingLiveInput,
    signal: AbortSignal,
  ): AsyncGenerator<LiveSeatUpdate> {
    const inbox = createInbox(signal);
    const stop = await feed.listen(input.eventId, inbox.push);
    try {
      const cursor = cursorOf(input.lastEventId);
      const start = async (resumeFrom: typeof cursor) => {
        const read = await liveRepo.liveChanges(db, input.eventId, resumeFrom?.inventory ?? null);
        if (!read) throw new AppError('NOT_FOUND', 'Event not found');
        const position = { plan: read.planVersion, inventory: read.inventoryVersion };
        const updates =
          resumeFrom && resumeFrom.plan === read.planVersion
            ? updatesOf(resumeFrom.plan, read)
            : [
                {
                  id: liveId(read.planVersion, read.inventoryVersion),
                  message: { planVersion: read.planVersion },
                },
              ];
        return { position, updates };
      };
      let { position, updates } = await start(cursor);
      yield* updates;
      for (;;) {
        const next = await inbox.next();
        if (next === undefined) return;
        if (next === 'overflowed') {
          ({ position, updates } = await start(undefined));
          yield* updates;
          continue;
        }
        if (next.planVersion === position.plan && next.inventoryVersion <= position.inventory) {
          continue;
        }
        position = { plan: next.planVersion, inventory: next.inventoryVersion };
        yield* next.updates;
      }
    } finally {
      stop();
    }
  }

  return {
    authorizeLive,
    async live(principal, input, signal) {
      await authorizeLive(principal, input.eventId);
      return stream(input, signal);
    },
  };
}

import type { LiveStats } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { toEventStats } from './analytics.mappers.js';
import { toEventDetail } from './event-detail.js';
import { type LiveScope, liveRepository } from './live.repository.js';
import type { LiveHub } from './live-hub.js';
import type { LiveMessage } from './live-message.js';

/** One update of a stream: `id` is what a client sends back as lastEventId to resume. */
export interface LiveUpdate {
  id: string;
  stats: LiveStats;
}

/**
 * What a stream sends of an update: a one-event stream the figures with their detail; a stream
 * of several events the figures alone (per-type rows of every event would swamp a dashboard of
 * totals, and its clients never asked for one event's breakdown).
 */
function shown(update: LiveMessage, scope: LiveScope): LiveUpdate {
  const { stats, detail } = update;
  return { id: update.seq, stats: scope.eventId && detail ? { ...stats, ...detail } : stats };
}

const PAGE = 500;
/** A stream this far behind drops its backlog and reads it again from the log. */
const MAX_BACKLOG = 5_000;
const OVERFLOW = Symbol('overflow');

/** The updates the hub handed to one stream, waiting to be sent. */
function createInbox() {
  let items: LiveMessage[] = [];
  let overflowed = false;
  let wake: (() => void) | undefined;
  return {
    push(update: LiveMessage) {
      if (overflowed) return;
      items.push(update);
      if (items.length > MAX_BACKLOG) {
        items = [];
        overflowed = true;
      }
      wake?.();
    },
    /** The next update, OVERFLOW once after an overflow, or undefined once aborted. */
    async next(signal?: AbortSignal): Promise<LiveMessage | typeof OVERFLOW | undefined> {
      for (;;) {
        if (signal?.aborted) return undefined;
        if (overflowed) {
          overflowed = false;
          return OVERFLOW;
        }
        const item = items.shift();
        if (item) return item;
        await new Promise<void>((resolve) => {
          const done = () => {
            wake = undefined;
            signal?.removeEventListener('abort', done);
            resolve();
          };
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        });
      }
    },
  };
}

function inScope(update: LiveMessage, scope: LiveScope): boolean {
  return (
    (scope.eventId ? update.eventId === scope.eventId : !update.detailOnly) &&
    (!scope.organizationIds || scope.organizationIds.includes(update.organizationId))
  );
}

/** Everything in scope after `after`, from the database; returns how far it got. */
async function* replay(
  db: Kysely<Database>,
  scope: LiveScope,
  after: bigint,
): AsyncGenerator<LiveUpdate, bigint> {
  let last = after;
  const { prunedThrough } = await liveRepository.cursor(db);
  if (last < prunedThrough) {
    // Part of what was missed is pruned: send each event's current figures instead.
    for (;;) {
      const rows = await liveRepository.latestAfter(db, last, scope, PAGE);
      for (const row of rows) {
        yield shown(row, scope);
        last = BigInt(row.seq);
      }
      if (rows.length < PAGE) break;
    }
  }
  for (;;) {
    const rows = await liveRepository.updatesAfter(db, last, scope, PAGE);
    for (const row of rows) {
      yield shown(row, scope);
      last = BigInt(row.seq);
    }
    if (rows.length < PAGE) return last;
  }
}

/**
 * A resumable stream of figures: after `lastEventId` everything in scope is replayed from the
 * log, then live updates follow; without it a one-event stream starts with the current figures.
 * Listening starts before the replay, so nothing committed meanwhile falls between the two.
 */
export async function* streamLive(
  deps: { db: Kysely<Database>; hub: LiveHub },
  scope: LiveScope,
  lastEventId: string | undefined,
  signal?: AbortSignal,
): AsyncGenerator<LiveUpdate> {
  const inbox = createInbox();
  const stopListening = await deps.hub.listen((update) => {
    if (inScope(update, scope)) inbox.push(update);
  });
  try {
    let last: bigint;
    // An id this log never handed out (another deployment's, or a restored database's) cannot
    // be resumed from: the client starts afresh.
    const resumable =
      lastEventId !== undefined &&
      BigInt(lastEventId) <= (await liveRepository.cursor(deps.db)).seq;
    if (lastEventId !== undefined && resumable) {
      last = BigInt(lastEventId);
    } else if (scope.eventId) {
      const snapshot = await liveRepository.snapshot(deps.db, scope.eventId);
      if (snapshot.stats) {
        const stats = { ...toEventStats(snapshot.stats), ...toEventDetail(snapshot.detail) };
        yield { id: snapshot.seq.toString(), stats };
      }
      last = snapshot.seq;
    } else {
      last = (await liveRepository.cursor(deps.db)).seq;
    }
    for (;;) {
      last = yield* replay(deps.db, scope, last);
      for (;;) {
        const update = await inbox.next(signal);
        if (update === undefined) return;
        if (update === OVERFLOW) break;
        if (BigInt(update.seq) <= last) continue;
        yield shown(update, scope);
        last = BigInt(update.seq);
      }
    }
  } finally {
    stopListening();
  }
}

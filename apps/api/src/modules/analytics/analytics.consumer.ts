import type { DomainEvent } from '@evently/contracts';
import type { Database } from '@evently/db';
import {
  type AfterCommit,
  type Consumer,
  defineConsumer,
  type PubSubPort,
} from '@evently/platform';
import type { Transaction } from 'kysely';
import type { RequestLog } from '../../kernel/log.js';
import {
  type BatchCheckin,
  checkinRows,
  creditFirstEntries,
  enteredPairs,
  listDelta,
} from './analytics.checkins.js';
import {
  addInto,
  type BookingLines,
  type LineDeltas,
  lineDeltas,
  type TypeDelta,
  type VoucherDelta,
  ZERO_TYPE,
  ZERO_VOUCHER,
} from './analytics.lines.js';
import type { StatsRow } from './analytics.mappers.js';
import {
  analyticsTopics,
  bucketsOf,
  type Projection,
  project,
  type SeriesClock,
  type SeriesDelta,
  type StatsDelta,
} from './analytics.projector.js';
import { lockProjectionShared } from './analytics-lock.js';
import { type EventDelta, liveFiguresOf, sumOf } from './live-figures.js';
import { LIVE_BROADCAST_MAX, LIVE_CHANNEL, type LiveMessage } from './live-message.js';
import {
  ALL_SCOPE,
  projectionRepository as repo,
  type SeriesRow,
} from './projection.repository.js';
import { type EventMeta, sourceRepository as source } from './source.repository.js';

export const ANALYTICS_CONSUMER = 'analytics';

type Clocks = Partial<Record<SeriesClock, Date | null>>;

interface Facts {
  meta: EventMeta | undefined;
  clocks: Clocks;
  /** A booking event's lines and voucher. */
  lines: BookingLines | undefined;
}

/** The source facts a batch's projections need, each kind read in one round trip. */
async function factsOf(
  trx: Transaction<Database>,
  batch: ReadonlyArray<{ event: DomainEvent; change: Projection }>,
): Promise<Facts[]> {
  // Booking events and money events (payments, refunds) read their booking: its event, lines
  // and instants.
  const bookingIdOf = ({ event, change }: { event: DomainEvent; change: Projection }) =>
    'bookingId' in event.payload && change.lines ? event.payload.bookingId : undefined;
  const paymentIdOf = ({ event }: { event: DomainEvent }) =>
    event.topic === 'payment.received' ? event.payload.paymentId : undefined;
  const refundIdOf = ({ event }: { event: DomainEvent }) =>
    event.topic === 'refund.requested' ? event.payload.refundId : undefined;
  const userIdOf = ({ event }: { event: DomainEvent }) =>
    event.topic.startsWith('user.') && 'userId' in event.payload ? event.payload.userId : undefined;
  const defined = (ids: Array<string | undefined>) =>
    [...new Set(ids)].filter((id): id is string => id !== undefined);
  const bookingIds = defined(batch.map(bookingIdOf));
  const bookings = await source.bookingsWithEvent(trx, bookingIds);
  const lines = await source.bookingLines(trx, bookingIds);
  const users = await source.userClocks(trx, defined(batch.map(userIdOf)));
  const money = await source.moneyClocks(
    trx,
    defined(batch.map(paymentIdOf)),
    defined(batch.map(refundIdOf)),
  );
  const metas = await source.eventMetas(
    trx,
    defined(
      batch.map((item) => {
        const bookingId = bookingIdOf(item);
        return bookingId && bookings.has(bookingId)
          ? undefined
          : (item.change.eventId ?? undefined);
      }),
    ),
  );
  return batch.map((item) => {
    const clocks: Clocks = {};
    let meta: EventMeta | undefined;
    const bookingId = bookingIdOf(item);
    const booked = bookingId === undefined ? undefined : lines.get(bookingId);
    if (bookingId !== undefined) {
      const found = bookings.get(bookingId);
      meta = found?.meta;
      clocks.confirmed = found?.clock.confirmedAt;
      clocks.cancelled = found?.clock.cancelledAt;
    }
    if (!meta && item.change.eventId) meta = metas.get(item.change.eventId);
    const paymentId = paymentIdOf(item);
    if (paymentId !== undefined) clocks.paid = money.payments.get(paymentId);
    const refundId = refundIdOf(item);
    if (refundId !== undefined) clocks.refunded = money.refunds.get(refundId);
    const userId = userIdOf(item);
    if (userId !== undefined) {
      const user = users.get(userId);
      clocks.registered = user?.registeredAt;
      clocks.verified = user?.verifiedAt;
    }
    return { meta, clocks, lines: booked };
  });
}

const granularityRank = { hour: 0, day: 1 } as const;
const scopeRank = { event: 0, organization: 1, all: 2 } as const;

/** Adds the series rows a change touches to `rows`, merged per bucket. */
function addSeriesRows(
  rows: Map<string, SeriesRow>,
  change: Projection,
  meta: EventMeta | undefined,
  clocks: Clocks,
  occurredAt: Date,
): void {
  for (const entry of change.series) {
    // The row's own instant (what a rebuild uses), else when the event was appended.
    const { hour, day } = bucketsOf(clocks[entry.clock] ?? occurredAt);
    const scopes: Array<Pick<SeriesRow, 'scopeKind' | 'scopeId'>> = [];
    if (entry.perEvent && meta) {
      scopes.push({ scopeKind: 'event', scopeId: meta.eventId });
      scopes.push({ scopeKind: 'organization', scopeId: meta.organizationId });
    }
    scopes.push({ scopeKind: 'all', scopeId: ALL_SCOPE });
    for (const granularity of ['hour', 'day'] as const) {
      const bucket = granularity === 'hour' ? hour : day;
      for (const scope of scopes) {
        const key = `${granularity}|${scope.scopeKind}|${scope.scopeId}|${bucket.toISOString()}`;
        const row = rows.get(key);
        if (!row) {
          rows.set(key, { granularity, ...scope, bucket, delta: { ...entry.delta } });
          continue;
        }
        for (const k of Object.keys(row.delta) as (keyof SeriesDelta)[]) {
          row.delta[k] += entry.delta[k];
        }
      }
    }
  }
}

/**
 * Sorted (hour before day, event before organization before all): every projection transaction
 * locks series rows in the same order.
 */
function sortedSeries(rows: Map<string, SeriesRow>): SeriesRow[] {
  return [...rows.values()].sort(
    (a, b) =>
      granularityRank[a.granularity] - granularityRank[b.granularity] ||
      scopeRank[a.scopeKind] - scopeRank[b.scopeKind] ||
      a.scopeId.localeCompare(b.scopeId) ||
      a.bucket.getTime() - b.bucket.getTime(),
  );
}

/** One event row's changes in a batch: each event's delta, in the order the events came. */
interface EventChange {
  meta: EventMeta | undefined;
  deltas: EventDelta[];
}

/** Rows per ticket type and per voucher a batch changes, by `event|id`: their deltas summed. */
interface LineRows {
  types: Map<string, { eventId: string; ticketTypeId: string; delta: TypeDelta }>;
  vouchers: Map<string, { eventId: string; voucherId: string; delta: VoucherDelta }>;
}

function addLineRows(rows: LineRows, eventId: string, moved: LineDeltas): void {
  for (const [ticketTypeId, delta] of moved.types) {
    const key = `${eventId}|${ticketTypeId}`;
    const row = rows.types.get(key) ?? { eventId, ticketTypeId, delta: { ...ZERO_TYPE } };
    addInto(row.delta, delta);
    rows.types.set(key, row);
  }
  if (moved.voucher) {
    const { voucherId, delta } = moved.voucher;
    const key = `${eventId}|${voucherId}`;
    const row = rows.vouchers.get(key) ?? { eventId, voucherId, delta: { ...ZERO_VOUCHER } };
    addInto(row.delta, delta);
    rows.vouchers.set(key, row);
  }
}

/** By event, then by type or voucher id: the lock order of these rows. */
const inKeyOrder = <T>(rows: Map<string, T>): T[] =>
  [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);

/**
 * Applies a batch of events to the read models inside one delivery transaction, their deltas
 * folded together: one upsert per event row, one statement for every series row, one move of the
 * live cursor. Locks are taken in one order by every projection transaction — waitlist entries,
 * check-in marks (by list and ticket), event rows (by id), rows per ticket type, per voucher, then
 * per check-in list (by event and id), series rows, live cursor — so concurrent batches never
 * deadlock; the hot
 * rows (overall series, the cursor) come last, to be held for as short a time as possible.
 * Returns the live updates to broadcast (one per live event), in order.
 */
export async function applyEvents(
  trx: Transaction<Database>,
  events: readonly DomainEvent[],
  now: Date,
): Promise<LiveMessage[]> {
  const batch = events.map((event) => ({ event, change: project(event) }));
  const facts = await factsOf(trx, batch);
  const byEvent = new Map<string, EventChange>();
  const series = new Map<string, SeriesRow>();
  const lineRows: LineRows = { types: new Map(), vouchers: new Map() };
  const moves: Array<{
    entryId: string;
    move: 'joined' | 'left';
    stats: StatsDelta;
    eventId: string;
    at: number;
  }> = [];
  const checkins: BatchCheckin[] = [];
  for (const [i, { event, change }] of batch.entries()) {
    const { meta, clocks, lines } = facts[i] ?? { meta: undefined, clocks: {}, lines: undefined };
    if (change.eventId && !meta) {
      // The event row is gone: a deleted draft (it never had bookings). It has no figures.
      byEvent.set(change.eventId, { meta: undefined, deltas: [] });
      continue;
    }
    if (meta && change.stats) {
      const into = byEvent.get(meta.eventId) ?? { meta, deltas: [] };
      const stats = { ...change.stats };
      const moved = change.lines && lines ? lineDeltas(change.lines, lines) : null;
      const checkin = change.checkin ? listDelta(change.checkin) : null;
      into.deltas.push({ stats, live: change.live, lines: moved, checkin });
      byEvent.set(meta.eventId, into);
      if (moved) addLineRows(lineRows, meta.eventId, moved);
      if (change.checkin && checkin) {
        checkins.push({ eventId: meta.eventId, move: change.checkin, change: checkin });
      }
      if (change.waitlist) moves.push({ ...change.waitlist, stats, eventId: meta.eventId, at: i });
    }
    addSeriesRows(series, change, meta, clocks, new Date(event.occurredAt));
  }
  // An entry's moves in the order they came; entries in id order.
  moves.sort((a, b) => a.entryId.localeCompare(b.entryId) || a.at - b.at);
  for (const move of moves) {
    if (move.move === 'joined') {
      await repo.entryJoined(trx, move.entryId, move.eventId);
    } else if (await repo.entryLeftWaiting(trx, move.entryId, move.eventId)) {
      move.stats.waitlist_waiting -= 1;
    }
  }
  // A ticket counts as entered on its first entry: the one that marks its pair.
  creditFirstEntries(checkins, await repo.markEntered(trx, enteredPairs(checkins)));
  const changed: Array<{ row: StatsRow; deltas: EventDelta[] }> = [];
  // Event rows in id order (the lock order): a run of changed rows is one statement; a deleted
  // draft's row (rare) is deleted between runs, at its place in that order.
  let run: Array<{ meta: EventMeta; delta: StatsDelta; deltas: EventDelta[] }> = [];
  const flush = async () => {
    const rows = await repo.upsertStats(trx, run, now);
    for (const { meta, deltas } of run) {
      const row = rows.get(meta.eventId);
      if (row) changed.push({ row, deltas });
    }
    run = [];
  };
  for (const eventId of [...byEvent.keys()].sort()) {
    const change = byEvent.get(eventId);
    if (!change) continue;
    if (change.meta) {
      run.push({ meta: change.meta, delta: sumOf(change.deltas), deltas: change.deltas });
      continue;
    }
    await flush();
    await repo.deleteStats(trx, eventId);
  }
  await flush();
  // Rows per type and voucher, each only under its event's row (locked above).
  await repo.addTypeStats(trx, inKeyOrder(lineRows.types));
  await repo.addVoucherStats(trx, inKeyOrder(lineRows.vouchers));
  await repo.addCheckinStats(trx, inKeyOrder(checkinRows(checkins)));
  await repo.addSeries(trx, sortedSeries(series));
  const live = await liveFiguresOf(trx, changed);
  const seqs = await repo.appendLiveUpdates(trx, live);
  return live.map(({ detail, detailOnly, ...update }, i) => ({
    seq: seqs[i] ?? '',
    ...update,
    ...(detail && { detail }),
    ...(detailOnly && { detailOnly }),
  }));
}

/**
 * Broadcasts updates, up to LIVE_BROADCAST_MAX to a message (one Redis command and one parse per
 * hub for a whole batch, not one per update); a lost message is found by every hub's catch-up
 * from the log.
 */
export async function publishLive(
  pubsub: PubSubPort,
  updates: readonly LiveMessage[],
  log: RequestLog,
): Promise<void> {
  for (let i = 0; i < updates.length; i += LIVE_BROADCAST_MAX) {
    const chunk = updates.slice(i, i + LIVE_BROADCAST_MAX);
    try {
      await pubsub.publish(LIVE_CHANNEL, JSON.stringify({ updates: chunk }));
    } catch (error) {
      log.warn(
        { err: error, seq: chunk[0]?.seq, count: chunk.length },
        'analytics live updates not broadcast; hubs catch up from the log',
      );
    }
  }
}

/**
 * The projection: folds domain events into the analytics read models, exactly once per event
 * (the delivery's processed_events claims and the effect share one transaction), then broadcasts
 * the events' new figures after commit. The worker commits the events of concurrent jobs in one
 * batch (group commit), so the hot rows are locked once per batch rather than once per event.
 */
export function createAnalyticsConsumer(deps: {
  pubsub: PubSubPort;
  log: RequestLog;
  now: () => Date;
}): Consumer {
  return defineConsumer({
    name: ANALYTICS_CONSUMER,
    topics: analyticsTopics,
    // Jobs wait in the worker's group commit, so many may run at once without contention.
    concurrency: 64,
    handle: (trx, event) => handleBatch(trx, [event]),
    handleBatch,
  });

  async function handleBatch(
    trx: Transaction<Database>,
    events: readonly DomainEvent[],
  ): Promise<AfterCommit | undefined> {
    await lockProjectionShared(trx);
    // A rebuild that ran after these events committed has counted them already.
    const covered = await repo.takeCovered(
      trx,
      events.map((e) => e.id),
    );
    const updates = await applyEvents(
      trx,
      events.filter((e) => !covered.has(e.id)),
      deps.now(),
    );
    if (updates.length === 0) return undefined;
    return () => publishLive(deps.pubsub, updates, deps.log);
  }
}

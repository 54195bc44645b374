import type { EventDetail, EventStats } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import type { ListDelta } from './analytics.checkins.js';
import type { LineDeltas } from './analytics.lines.js';
import { type StatsRow, toEventStats } from './analytics.mappers.js';
import { type StatsDelta, ZERO_STATS } from './analytics.projector.js';
import { detailsOf } from './detail.queries.js';
import { detailsAfterEach } from './event-detail.js';

/** One domain event's change of an event's figures, in a batch. */
export interface EventDelta {
  stats: StatsDelta;
  /** See Projection.live. */
  live: boolean | 'detail';
  /** Its booking's lines moved (booking events whose lines were found). */
  lines: LineDeltas | null;
  /** Its check-in list moved (ticket.checked_in). */
  checkin: ListDelta | null;
}

const counterKeys = Object.keys(ZERO_STATS) as (keyof StatsDelta)[];

/** The int8 counters (read back as strings). */
const moneyKeys = ['revenue_cents', 'refunded_cents', 'pending_payment_cents'] as const;
type MoneyKey = (typeof moneyKeys)[number];
const isMoney = (k: keyof StatsDelta): k is MoneyKey =>
  (moneyKeys as readonly string[]).includes(k);

export function sumOf(deltas: ReadonlyArray<{ stats: StatsDelta }>): StatsDelta {
  const sum = { ...ZERO_STATS };
  for (const { stats } of deltas) {
    for (const k of counterKeys) sum[k] += stats[k];
  }
  return sum;
}

/**
 * The figures after each live event of a row, oldest first: the row's final figures with the
 * deltas of the later events taken off again. A stream shows one update per event, as if each
 * had been committed on its own.
 */
export function figuresAfterEach(row: StatsRow, deltas: readonly EventDelta[]): EventStats[] {
  const figures: EventStats[] = [];
  const current: StatsRow = { ...row };
  for (let i = deltas.length - 1; i >= 0; i--) {
    const delta = deltas[i];
    if (!delta) continue;
    if (delta.live) figures.push(toEventStats(current));
    for (const k of counterKeys) {
      if (isMoney(k)) current[k] = String(Number(current[k]) - delta.stats[k]);
      else current[k] -= delta.stats[k];
    }
  }
  return figures.reverse();
}

export interface LiveFigures {
  eventId: string;
  organizationId: string;
  stats: EventStats;
  detail: EventDetail | undefined;
  /** Only the detail moved: streams of several events skip it. */
  detailOnly: boolean;
}

/**
 * The live updates of a batch's changed rows (in the given order), each event's figures and
 * detail after each of its live events. The detail is read after the batch's writes, in its
 * transaction: the rows of an event's types and vouchers are written only under its (locked)
 * figures row, so nothing moves them meanwhile.
 */
export async function liveFiguresOf(
  trx: Transaction<Database>,
  changed: ReadonlyArray<{ row: StatsRow; deltas: readonly EventDelta[] }>,
): Promise<LiveFigures[]> {
  const withLive = changed.filter(({ deltas }) => deltas.some((d) => d.live));
  const vouchers = new Set<string>();
  for (const { deltas } of withLive) {
    for (const { lines } of deltas) if (lines?.voucher) vouchers.add(lines.voucher.voucherId);
  }
  const sources = await detailsOf(
    trx,
    withLive.map(({ row }) => row.event_id),
    [...vouchers],
  );
  const live: LiveFigures[] = [];
  for (const { row, deltas } of withLive) {
    const source = sources.get(row.event_id);
    const details = source ? detailsAfterEach(source, deltas) : [];
    const kinds = deltas.filter((d) => d.live);
    for (const [i, stats] of figuresAfterEach(row, deltas).entries()) {
      live.push({
        eventId: row.event_id,
        organizationId: row.organization_id,
        stats,
        detail: details[i],
        detailOnly: kinds[i]?.live === 'detail',
      });
    }
  }
  return live;
}

import type { EventDetail } from '@evently/contracts';
import type { CheckinDelta, ListDelta } from './analytics.checkins.js';
import {
  addInto,
  type LineDeltas,
  type TypeDelta,
  type VoucherDelta,
  ZERO_TYPE,
} from './analytics.lines.js';
import { utilization } from './analytics.mappers.js';

/**
 * An event's detail as read (`detail.queries.ts`): its ticket types with their figures (zeros
 * for a type never booked), its quotas with their member types, vouchers with their figures, and
 * its check-in lists with theirs (zeros for a list never scanned). Names, codes, sizes and
 * memberships are the event's configuration, read where they live: no domain event announces
 * their changes.
 */
export interface DetailSource {
  /** In the event's display order. */
  types: Array<{ id: string; name: string; figures: TypeDelta }>;
  quotas: Array<{ id: string; name: string; size: number; typeIds: string[] }>;
  /** By code. */
  vouchers: Array<{ id: string; code: string; figures: VoucherDelta }>;
  /** In the order they were made. */
  checkins: Array<{ id: string; name: string; figures: CheckinDelta }>;
}

/** The contract's shape: a quota's figures are the sums of its types'. */
export function toEventDetail(source: DetailSource): EventDetail {
  const byType = new Map(source.types.map((t) => [t.id, t.figures]));
  return {
    ticketTypes: source.types.map((t) => ({
      ticketTypeId: t.id,
      name: t.name,
      ticketsSold: t.figures.tickets_sold,
      held: t.figures.tickets_held,
      revenueCents: t.figures.revenue_cents,
    })),
    quotas: source.quotas.map((q) => {
      const sum = { ...ZERO_TYPE };
      for (const id of q.typeIds) addInto(sum, byType.get(id) ?? ZERO_TYPE);
      return {
        quotaId: q.id,
        name: q.name,
        size: q.size,
        sold: sum.tickets_sold,
        held: sum.tickets_held,
        utilization: utilization(sum.tickets_sold, q.size),
      };
    }),
    vouchers: source.vouchers.map((v) => ({
      voucherId: v.id,
      code: v.code,
      redemptions: v.figures.redemptions,
      discountCents: v.figures.discount_cents,
    })),
    checkins: source.checkins.map((l) => ({
      listId: l.id,
      name: l.name,
      entered: l.figures.entered,
      inside: l.figures.inside,
    })),
  };
}

/** Whether a voucher's figures move (a hold made or ended with it does not move them). */
function movedVoucher(lines: LineDeltas | null): string | undefined {
  const voucher = lines?.voucher;
  if (!voucher) return undefined;
  const { redemptions, discount_cents } = voucher.delta;
  return redemptions !== 0 || discount_cents !== 0 ? voucher.voucherId : undefined;
}

/**
 * The detail after each live event of a batch, oldest first, like the event's figures: the
 * source's figures (after the whole batch) with the line and check-in deltas of the later events
 * taken off again. Each carries every type, quota and check-in list, and the voucher its own
 * event moved (if any): a client keeps vouchers by id. `source.vouchers` must hold every voucher
 * the deltas move.
 */
export function detailsAfterEach(
  source: DetailSource,
  deltas: ReadonlyArray<{
    live: boolean | 'detail';
    lines: LineDeltas | null;
    checkin?: ListDelta | null;
  }>,
): EventDetail[] {
  const types = new Map(source.types.map((t) => [t.id, { ...t, figures: { ...t.figures } }]));
  const vouchers = new Map(source.vouchers.map((v) => [v.id, { ...v, figures: { ...v.figures } }]));
  const lists = new Map(source.checkins.map((l) => [l.id, { ...l, figures: { ...l.figures } }]));
  const details: EventDetail[] = [];
  for (let i = deltas.length - 1; i >= 0; i--) {
    const delta = deltas[i];
    if (!delta) continue;
    const { lines } = delta;
    if (delta.live) {
      const movedId = movedVoucher(lines);
      const moved = movedId === undefined ? undefined : vouchers.get(movedId);
      details.push(
        toEventDetail({
          types: [...types.values()],
          quotas: source.quotas,
          vouchers: moved ? [moved] : [],
          checkins: [...lists.values()],
        }),
      );
    }
    const list = delta.checkin && lists.get(delta.checkin.listId);
    if (list && delta.checkin) addInto(list.figures, delta.checkin.delta, -1);
    if (!lines) continue;
    for (const [typeId, typeDelta] of lines.types) {
      const type = types.get(typeId);
      if (type) addInto(type.figures, typeDelta, -1);
    }
    const voucher = lines.voucher && vouchers.get(lines.voucher.voucherId);
    if (voucher && lines.voucher) addInto(voucher.figures, lines.voucher.delta, -1);
  }
  return details.reverse();
}

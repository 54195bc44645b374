import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listDelta } from './analytics.checkins.js';
import { type BookingLines, type LinesMove, lineDeltas } from './analytics.lines.js';
import { type DetailSource, detailsAfterEach, toEventDetail } from './event-detail.js';

const ga = randomUUID();
const early = randomUUID();
const vip = randomUUID();
const standing = randomUUID();
const empty = randomUUID();
const voucherId = randomUUID();
const door = randomUUID();
const garden = randomUUID();

/**
 * Three types; a quota shared by two of them, one of size 0, and one of the third alone; two
 * check-in lists (entered, inside).
 */
function source(figures: {
  ga: [number, number, number];
  early: [number, number, number];
  vip: [number, number, number];
  voucher: [number, number];
  door?: [number, number];
  garden?: [number, number];
}): DetailSource {
  const list = (id: string, name: string, [entered, inside]: [number, number] = [0, 0]) => ({
    id,
    name,
    figures: { entered, inside },
  });
  const type = (id: string, name: string, [sold, held, revenue]: [number, number, number]) => ({
    id,
    name,
    figures: { tickets_sold: sold, tickets_held: held, revenue_cents: revenue },
  });
  return {
    types: [
      type(ga, 'General admission', figures.ga),
      type(early, 'Early', figures.early),
      type(vip, 'VIP', figures.vip),
    ],
    quotas: [
      { id: standing, name: 'Standing', size: 10, typeIds: [ga, early] },
      { id: empty, name: 'Closed', size: 0, typeIds: [early] },
      { id: vip, name: 'VIP', size: 2, typeIds: [vip] },
    ],
    vouchers: [
      {
        id: voucherId,
        code: 'spring',
        figures: { redemptions: figures.voucher[0], discount_cents: figures.voucher[1] },
      },
    ],
    checkins: [list(door, 'Main door', figures.door), list(garden, 'Garden', figures.garden)],
  };
}

describe('event detail (pure)', () => {
  it("sums a quota's types, and keeps utilization in [0, 1]", () => {
    const detail = toEventDetail(
      source({ ga: [4, 1, 12_000], early: [3, 2, 6_000], vip: [3, 0, 27_000], voucher: [2, 900] }),
    );
    expect(detail.ticketTypes.map((t) => [t.name, t.ticketsSold, t.held, t.revenueCents])).toEqual([
      ['General admission', 4, 1, 12_000],
      ['Early', 3, 2, 6_000],
      ['VIP', 3, 0, 27_000],
    ]);
    expect(detail.quotas).toEqual([
      { quotaId: standing, name: 'Standing', size: 10, sold: 7, held: 3, utilization: 0.7 },
      // A quota of size 0 is not divided by.
      { quotaId: empty, name: 'Closed', size: 0, sold: 3, held: 2, utilization: 0 },
      // More sold than its size (a figure briefly ahead): capped at 1.
      { quotaId: vip, name: 'VIP', size: 2, sold: 3, held: 0, utilization: 1 },
    ]);
    expect(detail.vouchers).toEqual([
      { voucherId, code: 'spring', redemptions: 2, discountCents: 900 },
    ]);
  });

  it('gives the detail after each live event of a batch, with the voucher it moved', () => {
    const withVoucher: BookingLines = {
      lines: [{ ticketTypeId: ga, quantity: 2, totalCents: 5_400, discountCents: 600 }],
      voucherId,
    };
    const plain: BookingLines = {
      lines: [{ ticketTypeId: early, quantity: 1, totalCents: 2_000, discountCents: 0 }],
      voucherId: null,
    };
    const created: LinesMove = { held: 1, sold: 0, money: 0 };
    const confirmed: LinesMove = { held: -1, sold: 1, money: 0 };
    // A batch: the voucher booking confirmed (live), another held (not live), then confirmed.
    const deltas = [
      { live: true, lines: lineDeltas(confirmed, withVoucher) },
      { live: false, lines: lineDeltas(created, plain) },
      { live: true, lines: null },
      { live: true, lines: lineDeltas(confirmed, plain) },
    ];
    // The rows after the whole batch (GA had 1 sold before; the voucher booking was held).
    const after = source({
      ga: [3, 0, 8_400],
      early: [1, 0, 2_000],
      vip: [0, 0, 0],
      voucher: [1, 600],
    });
    const details = detailsAfterEach(after, deltas);
    expect(details).toHaveLength(3);
    const sold = (i: number) => details[i]?.ticketTypes.map((t) => [t.ticketsSold, t.held]);
    // After the first: GA sold, the plain booking not made yet.
    expect(sold(0)).toEqual([
      [3, 0],
      [0, 0],
      [0, 0],
    ]);
    expect(details[0]?.vouchers).toEqual([
      { voucherId, code: 'spring', redemptions: 1, discountCents: 600 },
    ]);
    // An update of no booking (a waitlist move, say): the hold made before it shows.
    expect(sold(1)).toEqual([
      [3, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(details[1]?.quotas[0]).toMatchObject({ sold: 3, held: 1 });
    expect(details[1]?.vouchers).toEqual([]);
    // After the last: the whole batch, and no voucher (that booking had none).
    expect(details[2]).toEqual({ ...toEventDetail(after), vouchers: [] });
  });

  it('gives every check-in list after each scan of a batch, a booking between them', () => {
    const ticket = randomUUID();
    const plain: BookingLines = {
      lines: [{ ticketTypeId: early, quantity: 1, totalCents: 2_000, discountCents: 0 }],
      voucherId: null,
    };
    const first = listDelta({ listId: garden, ticketId: ticket, direction: 'entry' });
    first.delta.entered = 1;
    // In at the garden (its first entry), out, a booking confirmed, in again (a re-entry).
    const deltas = [
      { live: 'detail' as const, lines: null, checkin: first },
      {
        live: 'detail' as const,
        lines: null,
        checkin: listDelta({ listId: garden, ticketId: ticket, direction: 'exit' }),
      },
      { live: true, lines: lineDeltas({ held: -1, sold: 1, money: 0 }, plain), checkin: null },
      {
        live: 'detail' as const,
        lines: null,
        checkin: listDelta({ listId: garden, ticketId: ticket, direction: 'entry' }),
      },
    ];
    const after = source({
      ga: [0, 0, 0],
      early: [1, 0, 2_000],
      vip: [0, 0, 0],
      voucher: [0, 0],
      door: [4, 3],
      garden: [1, 1],
    });
    const details = detailsAfterEach(after, deltas);
    // The garden went 1 in, 0 in, 0 in, 1 in; entered once throughout; the door never moved.
    expect(details.map((d) => d.checkins.map((l) => [l.name, l.entered, l.inside]))).toEqual([
      [
        ['Main door', 4, 3],
        ['Garden', 1, 1],
      ],
      [
        ['Main door', 4, 3],
        ['Garden', 1, 0],
      ],
      [
        ['Main door', 4, 3],
        ['Garden', 1, 0],
      ],
      [
        ['Main door', 4, 3],
        ['Garden', 1, 1],
      ],
    ]);
    expect(details[3]?.checkins).toEqual([
      { listId: door, name: 'Main door', entered: 4, inside: 3 },
      { listId: garden, name: 'Garden', entered: 1, inside: 1 },
    ]);
    // The booking's update shows its sale, the scans' do not.
    expect(details.map((d) => d.ticketTypes[1]?.ticketsSold)).toEqual([0, 0, 1, 1]);
  });
});

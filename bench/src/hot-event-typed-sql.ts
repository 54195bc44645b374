import type { CustomScript } from './hot-event-pgbench.js';
import type { TypedEvent } from './hot-event-typed-setup.js';

// Raw SQL's side of the typed hot event: one transaction per order writing the rows the allocator
// writes for it — the booking, its lines, the voucher's redemption, the outbox event(s), the
// audit entry and the relay's NOTIFY (the idempotency key left out, as SAME_ROWS_SQL leaves it
// out for the plain hot event) — each count moved by a conditional UPDATE that is its room check.
// The same shape also writes the plain hot event's rows (orderScript with one free line), so the
// two ratios can be held against baselines that differ only in what the order is.

/** One line of an order: a seat of the type at its price. */
interface Line {
  ticketTypeId: string;
  priceCents: number;
}

interface OrderShape {
  name: string;
  eventId: string;
  lines: Line[];
  status: 'confirmed' | 'pending';
  /** A quota every line's type counts against. */
  quotaId?: string;
  /** Redeemed by every other order of a client (as each Evently client alternates). */
  voucher?: { id: string; percentOff: number };
}

const USER_ID = `('00000000-0000-4000-8000-' || lpad(:user_no::text, 12, '0'))::uuid`;

/**
 * The order's writes, the lines priced as the allocator prices them (a percentage of a line
 * rounded down), then the counts — the event's, the quota's and, with the code, the voucher's
 * uses — each moved only if it has room, in the allocator's lock order and last, so the hot rows
 * are held for that one statement and the commit. An order that finds no room rolls back.
 */
function orderScript(o: OrderShape): CustomScript {
  const n = o.lines.length;
  const pending = o.status === 'pending';
  const counter = pending ? 'held' : 'confirmed';
  const vars = o.lines.map((_, i) => i);
  const setLines = vars
    .map((i) =>
      o.voucher
        ? `\\set disc_${i} :turn * (:price_${i} * :percent / 100)\n\\set total_${i} :price_${i} - :disc_${i}`
        : `\\set disc_${i} 0\n\\set total_${i} :price_${i}`,
    )
    .join('\n');
  // `:name` is a bind parameter under -M prepared: JSON is built with jsonb_build_object, and
  // its arguments are cast (a parameter of "any" has no type of its own).
  const ref = `jsonb_build_object('bookingId', :booking_id::text, 'eventId', :event::text,
    'userId', ${USER_ID}, 'quantity', ${n}, 'unitPriceCents', :price_0::bigint,
    'totalCents', :total::bigint, 'currency', 'EUR')`;
  const created = `${ref} || jsonb_build_object('status', '${o.status}', 'expiresAt',
      ${pending ? 'to_jsonb(:expires_at::timestamptz)' : 'null'}, 'waitlistEntryId', null)`;
  // As the allocator's statement: booking.created, then booking.confirmed for a free booking.
  const events = [
    `(gen_random_uuid(), 'booking.created', 1, :booking_id::text, ${created}, now())`,
    ...(pending
      ? []
      : [`(gen_random_uuid(), 'booking.confirmed', 1, :booking_id::text, ${ref}, now())`]),
  ];
  const counts = [
    `inv AS (
  UPDATE event_inventory SET ${counter} = ${counter} + ${n}, version = version + 1,
    updated_at = now()
  WHERE event_id = :event AND confirmed + held + ${n} <= capacity RETURNING 1
)`,
    ...(o.quotaId
      ? [
          `quota AS (
  UPDATE quotas SET ${counter} = ${counter} + ${n}, version = version + 1, updated_at = now()
  WHERE id = :quota AND confirmed + held + ${n} <= size AND EXISTS (SELECT 1 FROM inv) RETURNING 1
)`,
        ]
      : []),
  ];
  const last = o.quotaId ? 'quota' : 'inv';
  if (o.voucher) {
    counts.push(`voucher AS (
  UPDATE vouchers SET used = used + 1, seats = seats + ${n}, version = version + 1,
    updated_at = now()
  WHERE id = :voucher AND :turn::int = 1 AND used < max_uses AND EXISTS (SELECT 1 FROM ${last})
  RETURNING 1
)`);
  }
  const served = o.voucher
    ? `EXISTS (SELECT 1 FROM ${last}) AND (:turn::int = 0 OR EXISTS (SELECT 1 FROM voucher))`
    : `EXISTS (SELECT 1 FROM ${last})`;
  const sql = `\\set user_no :client_id + 1
${o.voucher ? '\\set turn 1 - :turn\n' : ''}${setLines}
\\set total ${vars.map((i) => `:total_${i}`).join(' + ')}
BEGIN;
INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents, total_cents,
    currency, expires_at, updated_at, confirmed_at)
  VALUES (gen_random_uuid(), :event, ${USER_ID}, ${n}, '${o.status}', :price_0, :total, 'EUR',
    ${pending ? `now() + interval '15 minutes'` : 'NULL'}, now(), ${pending ? 'NULL' : 'now()'})
  RETURNING id AS booking_id${pending ? ', expires_at' : ''} \\gset
INSERT INTO booking_items (booking_id, ticket_type_id, position, quantity, unit_price_cents,
    discount_cents, total_cents)
  VALUES ${vars.map((i) => `(:booking_id, :type_${i}, ${i}, 1, :price_${i}, :disc_${i}, :total_${i})`).join(',\n    ')};
${
  o.voucher
    ? `\\if :turn
INSERT INTO voucher_redemptions (booking_id, voucher_id, seats, redeemed_at)
  VALUES (:booking_id, :voucher, ${n}, now());
\\endif
`
    : ''
}INSERT INTO outbox (id, topic, version, aggregate_id, payload, occurred_at)
  VALUES ${events.join(',\n    ')};
INSERT INTO audit_log (id, entity, entity_id, action, actor_id, after)
  VALUES (gen_random_uuid(), 'booking', :booking_id::text, 'create', ${USER_ID},
    ${ref} || jsonb_build_object('status', '${o.status}'));
WITH ${counts.join(', ')}
SELECT (${served})::int AS served, pg_notify('evently_outbox', '') AS notified \\gset
\\if :served
COMMIT;
\\else
ROLLBACK;
\\endif
`;
  const defines: CustomScript['defines'] = { event: o.eventId };
  for (const [i, line] of o.lines.entries()) {
    defines[`type_${i}`] = line.ticketTypeId;
    defines[`price_${i}`] = line.priceCents;
  }
  if (o.quotaId) defines.quota = o.quotaId;
  if (o.voucher) {
    defines.voucher = o.voucher.id;
    defines.percent = o.voucher.percentOff;
    // A client's first order goes without the code, as an Evently client's first call.
    defines.turn = 1;
  }
  return { name: o.name, sql, defines };
}

/** An order of one seat of each of the typed event's types, every other one with the voucher. */
export function typedOrderScript(typed: TypedEvent): CustomScript {
  return orderScript({
    name: 'typed-order',
    eventId: typed.eventId,
    lines: typed.types.map((t) => ({ ticketTypeId: t.id, priceCents: t.priceCents })),
    status: typed.status,
    quotaId: typed.quotaId,
    voucher: typed.voucher,
  });
}

/**
 * The plain hot event's free booking of one seat (SAME_ROWS_SQL's rows: the booking, its line,
 * booking.created and booking.confirmed, the audit entry, the NOTIFY) in the typed script's
 * shape: the baseline that differs from the typed one only in what the order is.
 */
export function plainOrderScript(eventId: string, ticketTypeId: string): CustomScript {
  return orderScript({
    name: 'plain-order',
    eventId,
    lines: [{ ticketTypeId, priceCents: 0 }],
    status: 'confirmed',
  });
}

import type { CustomScript } from './hot-event-pgbench.js';
import type { TypedEvent } from './hot-event-typed-setup.js';

// Raw SQL's side of the typed hot event: one transaction per order writing the rows the allocator
// writes for it — the booking, its lines, the voucher's redemption, the outbox event(s), the
// audit entry and the relay's NOTIFY (the idempotency key left out, as Evently's plain baselines
// leave it out) — in either of two shapes, so the baseline is raw SQL's better way of the two:
// - count last (orderScript): the inserts, then every count moved by a conditional UPDATE that is
//   its room check, all in one statement just before the commit (the hot rows held the least);
// - lock first (lockFirstScript, ONE_BOOKING_SQL's shape): lock the event's inventory row, the
//   quota's and (with the code) the voucher's FOR UPDATE, check room, insert, move the counts.
// Both also write the plain hot event's rows (one free line), so the typed and plain ratios can be
// held against baselines that differ only in what the order is.

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
 * What both shapes share: the order's variables (the lines priced as the allocator prices them, a
 * percentage of a line rounded down; `turn` 1 for an order with the code), its inserts, the
 * counter it moves and pgbench's -D variables.
 */
function orderParts(o: OrderShape) {
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
  const prelude = `\\set user_no :client_id + 1
${o.voucher ? '\\set turn 1 - :turn\n' : ''}${setLines}
\\set total ${vars.map((i) => `:total_${i}`).join(' + ')}`;
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
  const inserts = `INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents, total_cents,
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
    ${ref} || jsonb_build_object('status', '${o.status}'));`;
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
  return { n, counter, prelude, inserts, defines };
}

// Both shapes move the inventory row's version as the allocator does, and leave the quota's and
// the voucher's alone (their versions are their definitions', allocator.repository.ts).

/**
 * Count last: the order's inserts, then the counts — the event's, the quota's and, with the code,
 * the voucher's uses — each moved only if it has room, in the allocator's lock order and last, so
 * the hot rows are held for that one statement and the commit. An order that finds no room rolls
 * back.
 */
function orderScript(o: OrderShape): CustomScript {
  const { n, counter, prelude, inserts, defines } = orderParts(o);
  const counts = [
    `inv AS (
  UPDATE event_inventory SET ${counter} = ${counter} + ${n}, version = version + 1,
    updated_at = now()
  WHERE event_id = :event AND confirmed + held + ${n} <= capacity RETURNING 1
)`,
    ...(o.quotaId
      ? [
          `quota AS (
  UPDATE quotas SET ${counter} = ${counter} + ${n}, updated_at = now()
  WHERE id = :quota AND confirmed + held + ${n} <= size AND EXISTS (SELECT 1 FROM inv) RETURNING 1
)`,
        ]
      : []),
  ];
  const last = o.quotaId ? 'quota' : 'inv';
  if (o.voucher) {
    counts.push(`voucher AS (
  UPDATE vouchers SET used = used + 1, seats = seats + ${n}, updated_at = now()
  WHERE id = :voucher AND :turn::int = 1 AND used < max_uses AND EXISTS (SELECT 1 FROM ${last})
  RETURNING 1
)`);
  }
  const served = o.voucher
    ? `EXISTS (SELECT 1 FROM ${last}) AND (:turn::int = 0 OR EXISTS (SELECT 1 FROM voucher))`
    : `EXISTS (SELECT 1 FROM ${last})`;
  const sql = `${prelude}
BEGIN;
${inserts}
WITH ${counts.join(', ')}
SELECT (${served})::int AS served, pg_notify('evently_outbox', '') AS notified \\gset
\\if :served
COMMIT;
\\else
ROLLBACK;
\\endif
`;
  return { name: o.name, sql, defines };
}

/**
 * Lock first (ONE_BOOKING_SQL's shape, hot-event-pgbench.ts): lock the event's inventory row, then
 * the quota's, then — for an order with the code — the voucher's, FOR UPDATE, each reading its
 * room; roll back if any has none; else insert the order's rows, then move the counts and NOTIFY
 * in one statement (one round trip fewer with the rows held than a statement each) and commit.
 */
function lockFirstScript(o: OrderShape): CustomScript {
  const { n, counter, prelude, inserts, defines } = orderParts(o);
  const rooms = ['room_event'];
  const locks = [
    `SELECT (confirmed + held + ${n} <= capacity)::int AS room_event FROM event_inventory
  WHERE event_id = :event FOR UPDATE \\gset`,
  ];
  const counts = [
    `inv AS (UPDATE event_inventory SET ${counter} = ${counter} + ${n}, version = version + 1,
    updated_at = now() WHERE event_id = :event)`,
  ];
  if (o.quotaId) {
    rooms.push('room_quota');
    locks.push(`SELECT (confirmed + held + ${n} <= size)::int AS room_quota FROM quotas
  WHERE id = :quota FOR UPDATE \\gset`);
    counts.push(`quota AS (UPDATE quotas SET ${counter} = ${counter} + ${n}, updated_at = now()
    WHERE id = :quota)`);
  }
  if (o.voucher) {
    rooms.push('room_voucher');
    locks.push(`\\set room_voucher 1
\\if :turn
SELECT (used < max_uses)::int AS room_voucher FROM vouchers WHERE id = :voucher FOR UPDATE \\gset
\\endif`);
    counts.push(`voucher AS (UPDATE vouchers SET used = used + 1, seats = seats + ${n},
    updated_at = now() WHERE id = :voucher AND :turn::int = 1)`);
  }
  // Data-modifying WITH queries run to completion whether or not the SELECT reads them.
  const sql = `${prelude}
BEGIN;
${locks.join('\n')}
\\if ${rooms.map((r) => `:${r}`).join(' * ')}
${inserts}
WITH ${counts.join(', ')}
SELECT pg_notify('evently_outbox', '');
COMMIT;
\\else
ROLLBACK;
\\endif
`;
  return { name: `${o.name}-lock-first`, sql, defines };
}

/** How raw SQL writes an order: its counts last (orderScript) or its rows locked first. */
export type OrderShapeName = 'count-last' | 'lock-first';

const build = (shape: OrderShapeName, o: OrderShape) =>
  shape === 'lock-first' ? lockFirstScript(o) : orderScript(o);

/** An order of one seat of each of the typed event's types, every other one with the voucher. */
export function typedOrderScript(typed: TypedEvent, shape: OrderShapeName): CustomScript {
  return build(shape, {
    name: 'typed-order',
    eventId: typed.eventId,
    lines: typed.types.map((t) => ({ ticketTypeId: t.id, priceCents: t.priceCents })),
    status: typed.status,
    quotaId: typed.quotaId,
    voucher: typed.voucher,
  });
}

/**
 * The plain hot event's free booking of one seat (the booking, its line, booking.created and
 * booking.confirmed, the audit entry, the NOTIFY — what Evently writes but the idempotency key)
 * in either shape: the baselines that differ from the typed ones only in what the order is.
 */
export function plainOrderScript(
  eventId: string,
  ticketTypeId: string,
  shape: OrderShapeName,
): CustomScript {
  return build(shape, {
    name: 'plain-order',
    eventId,
    lines: [{ ticketTypeId, priceCents: 0 }],
    status: 'confirmed',
  });
}

import { type Database, OUTBOX_CHANNEL } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import { toBookingTerms } from '../events/booking-terms.js';
import { IDEMPOTENCY_TTL_MS, type KeyRef } from './idempotency.repository.js';
import { inventoryRepository } from './inventory.repository.js';
import type { BatchWrite, OrderState } from './order-snapshot.js';
import {
  type KnownSeats,
  type SeatingRead,
  seatAllocationsRepository,
} from './seat-allocations.repository.js';
import { sellingColumn, toSelling } from './selling.repository.js';
import { type QueuedEntry, queueHolds } from './waitlist-queue.js';
import { queueRoomOf, queueTypesOf } from './waitlist-room.js';

/** An idempotency key's record as the batch read returns it. */
interface KeyRecord {
  user_id: string;
  key: string;
  request_hash: string;
  response: unknown;
  live: boolean | null;
}

const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';

/**
 * The allocator's SQL. A batch costs two round trips: one read of everything the decision needs,
 * and one statement that writes the whole batch — a single statement is a transaction of its
 * own, so there is no BEGIN/COMMIT to wait for while the event's lock is held.
 */
export type { BatchState, BatchWrite } from './order-snapshot.js';

/** An event's state as the batch read gives it: its seats still to be resolved from `seating`. */
export type ReadState = OrderState & { seatingRead: SeatingRead | null };

export const allocatorRepository = {
  /**
   * The states of several events' batches in one round trip (an event that does not exist has
   * none): the event rows with their inventory counts, the heads of their waitlist lines and the seats the batch's
   * users own; the batch's key records ride on the first row (keys are per user, not per event).
   * A seated event's plan comes with the seats changed since the versions `knownSeats` gives.
   */
  async readBatchStates(
    db: Kysely<Database>,
    eventIds: readonly string[],
    scope: string,
    userIds: readonly string[],
    keyRefs: readonly KeyRef[],
    now: Date,
    voucherCodes: readonly string[] = [],
    knownSeats: Readonly<Record<string, KnownSeats>> = {},
  ): Promise<Map<string, ReadState>> {
    const states = new Map<string, ReadState>();
    const [first] = eventIds;
    if (first === undefined) return states;
    const keysOnRecord = db
      .selectFrom('idempotency_keys as k')
      .select(['k.user_id', 'k.key', 'k.request_hash', 'k.response'])
      .select((k) => k('k.expires_at', '>', now).as('live'))
      .where('k.scope', '=', scope)
      .where((k) =>
        keyRefs.length === 0
          ? k.lit(false)
          : k(
              k.refTuple('k.user_id', 'k.key'),
              'in',
              keyRefs.map((r) => k.tuple(r.userId, r.key)),
            ),
      );
    const rows = await db
      .selectFrom('events as e')
      .select([
        'e.id',
        'e.organizer_id',
        'e.organization_id',
        'e.title',
        'e.status',
        'e.price_cents',
        'e.currency',
        'e.max_per_booking',
        'e.max_per_user',
        'e.sales_start_at',
        'e.sales_end_at',
        'e.starts_at',
        'e.version',
      ])
      .select((eb) => [
        inventoryRepository.countsColumn(db, eb.ref('e.id')).as('inventory'),
        // The head of each type's waitlist line, in join order (see waitlist-queue.ts).
        sql<QueuedEntry[] | null>`(SELECT json_agg(json_build_object('ticketTypeId',
            h.ticket_type_id, 'userId', h.user_id, 'quantity', h.quantity) ORDER BY h.join_seq)
          FROM ticket_types t CROSS JOIN LATERAL (SELECT w.ticket_type_id, w.user_id, w.quantity,
            w.join_seq FROM waitlist_entries w
            WHERE w.ticket_type_id = t.id AND w.status = 'waiting' ORDER BY w.join_seq LIMIT 1) h
          WHERE t.event_id = e.id)`.as('heads'),
        jsonArrayFrom(
          eb
            .selectFrom('bookings as b')
            .select(['b.user_id', (b) => b.fn.sum<string>('b.quantity').as('seats')])
            .whereRef('b.event_id', '=', 'e.id')
            // Only a per-user limit needs them; an empty list skips the index probe.
            .where('b.user_id', '=', (b) => b.fn.any(b.val([...userIds]).$castTo<string[]>()))
            .where('e.max_per_user', 'is not', null)
            .where('b.status', 'in', ['pending', 'confirmed'])
            .groupBy('b.user_id'),
        ).as('owned'),
        sellingColumn(eb.ref('e.id'), voucherCodes, now).as('selling'),
        seatAllocationsRepository.seatingColumn(eb.ref('e.id'), knownSeats).as('seating'),
        // Evaluated once (it does not depend on the row), sent with the first row only.
        sql<
          KeyRecord[] | null
        >`CASE WHEN e.id = ${first} THEN (${jsonArrayFrom(keysOnRecord)}) END`.as('keys'),
      ])
      .where('e.id', '=', (eb) => eb.fn.any(eb.val([...eventIds]).$castTo<string[]>()))
      .execute();
    const keys = new Map(
      (rows.find((r) => r.id === first)?.keys ?? []).map((k) => [
        `${k.user_id}:${k.key}`,
        { requestHash: k.request_hash, resultId: resultIdOf(k.response), live: k.live === true },
      ]),
    );
    for (const row of rows) {
      const selling = toSelling(row.selling);
      const { inventory } = row;
      states.set(row.id, {
        terms: toBookingTerms(row),
        inventory,
        owned: new Map(row.owned.map((o) => [o.user_id, Number(o.seats)])),
        keys,
        ...selling,
        queue: queueHolds(
          row.heads ?? [],
          queueTypesOf(selling.ticketTypes, now),
          inventory
            ? queueRoomOf(inventory, selling.quotas, selling.vouchers, now)
            : { event: 0, quotas: new Map() },
        ),
        seatingRead: row.seating,
      });
    }
    return states;
  },

  /** Expired keys of these refs go before they are reused (rare: a key older than a day). */
  async deleteExpiredKeys(db: Kysely<Database>, scope: string, refs: KeyRef[], now: Date) {
    if (refs.length === 0) return;
    await db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where((eb) =>
        eb(
          eb.refTuple('user_id', 'key'),
          'in',
          refs.map((r) => eb.tuple(r.userId, r.key)),
        ),
      )
      .where('expires_at', '<=', now)
      .execute();
  },

  /**
   * Writes the batches of several events in one statement, each only if its inventory and event
   * rows still carry the versions read: the inventory updates, then — for the events whose update
   * happened — bookings, their seats, idempotency keys, outbox events (one NOTIFY) and audit
   * rows. Returns the events written; the others lost their race and wrote nothing. `conflict`
   * when the statement failed whole (a key recorded meanwhile, a seat taken, or a deadlock on
   * one): nothing was written. The CHECK on the inventory row stays the last line.
   */
  async writeBatches(
    db: Kysely<Database>,
    writes: readonly BatchWrite[],
    now: Date,
  ): Promise<Set<string> | 'conflict'> {
    if (writes.length === 0) return new Set();
    const keyExpiry = new Date(now.getTime() + IDEMPOTENCY_TTL_MS);
    // Every row carries its event's id, so each insert keeps only the events written.
    const bookings = writes.flatMap((w) => w.bookings);
    const keys = writes.flatMap((w) =>
      w.keys.map((k) => ({
        event_id: w.eventId,
        user_id: k.userId,
        scope: k.scope,
        key: k.key,
        request_hash: k.requestHash,
        response: { id: k.resultId },
        created_at: now,
        expires_at: keyExpiry,
      })),
    );
    const items = writes.flatMap((w) => w.items);
    const quotas = writes.flatMap((w) => w.quotas.map((q) => ({ ...q, event_id: w.eventId })));
    const vouchers = writes.flatMap((w) => w.vouchers.map((v) => ({ ...v, event_id: w.eventId })));
    const redemptions = writes.flatMap((w) => w.redemptions);
    // Recorded at the version the batch moves its event's inventory row to.
    const seatAllocations = writes.flatMap((w) =>
      w.seatAllocations.map((a) => ({
        ...a,
        event_id: w.eventId,
        version: w.inventoryVersion + 1,
      })),
    );
    const outbox = writes.flatMap((w) => w.outbox.map((o) => ({ ...o, event_id: w.eventId })));
    const audits = writes.flatMap((w) =>
      w.audits.map((a) => ({ ...a, event_id: w.eventId, at: now })),
    );
    try {
      const { rows } = await sql<{ written: string[] | null }>`
        WITH inv AS (${inventoryRepository.consumeIfUnchanged(writes, now)}), new_bookings AS (
          INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
            total_cents, currency, expires_at, created_at, updated_at, confirmed_at)
          SELECT r.id, r.event_id, r.user_id, r.quantity, r.status, r.unit_price_cents,
            r.total_cents, r.currency, r.expires_at, r.created_at, r.updated_at, r.confirmed_at
          FROM jsonb_to_recordset(${JSON.stringify(bookings)}::jsonb) AS r(id uuid,
            event_id uuid, user_id uuid, quantity int, status text, unit_price_cents bigint,
            total_cents bigint, currency text, expires_at timestamptz, created_at timestamptz,
            updated_at timestamptz, confirmed_at timestamptz)
          WHERE r.event_id IN (SELECT event_id FROM inv)
          RETURNING id, event_id, quantity, unit_price_cents, total_cents
        ), new_items AS (
          INSERT INTO booking_items (id, booking_id, ticket_type_id, position, quantity,
            unit_price_cents, discount_cents, total_cents)
          SELECT r.id, r.booking_id, r.ticket_type_id, r.position, r.quantity,
            r.unit_price_cents, r.discount_cents, r.total_cents
          FROM jsonb_to_recordset(${JSON.stringify(items)}::jsonb) AS r(id uuid, booking_id uuid,
            ticket_type_id uuid, position int, quantity int, unit_price_cents bigint,
            discount_cents bigint, total_cents bigint)
          WHERE r.booking_id IN (SELECT id FROM new_bookings)
        ), quota_moves AS (
          -- Quotas and vouchers after their event's inventory row (the lock order everywhere).
          -- Seats only: a quota's and a voucher's versions are their definitions' (an organizer's
          -- edit is not stale because tickets sold meanwhile; its checks read the live counts).
          UPDATE quotas q SET confirmed = q.confirmed + r.confirmed, held = q.held + r.held,
            updated_at = ${now}
          FROM jsonb_to_recordset(${JSON.stringify(quotas)}::jsonb) AS r(id uuid, event_id uuid,
            confirmed int, held int)
          WHERE q.id = r.id AND r.event_id IN (SELECT event_id FROM inv)
        ), voucher_uses AS (
          UPDATE vouchers v SET used = v.used + r.uses, seats = v.seats + r.seats,
            updated_at = ${now}
          FROM jsonb_to_recordset(${JSON.stringify(vouchers)}::jsonb) AS r(id uuid, event_id uuid,
            uses int, seats int)
          WHERE v.id = r.id AND r.event_id IN (SELECT event_id FROM inv)
        ), new_redemptions AS (
          INSERT INTO voucher_redemptions (booking_id, voucher_id, seats, redeemed_at)
          SELECT r.booking_id, r.voucher_id, r.seats, ${now}
          FROM jsonb_to_recordset(${JSON.stringify(redemptions)}::jsonb) AS r(booking_id uuid,
            voucher_id uuid, seats int)
          WHERE r.booking_id IN (SELECT id FROM new_bookings)
        ), new_seats AS (
          -- The proof: the live-allocation index refuses a seat already taken, and with it the
          -- whole statement.
          INSERT INTO seat_allocations (seat_id, booking_id, event_id, allocated_at, version)
          SELECT r.seat_id, r.booking_id, r.event_id, ${now}, r.version
          FROM jsonb_to_recordset(${JSON.stringify(seatAllocations)}::jsonb) AS r(seat_id uuid,
            booking_id uuid, event_id uuid, version int)
          WHERE r.booking_id IN (SELECT id FROM new_bookings)
        ), new_keys AS (
          INSERT INTO idempotency_keys (user_id, scope, key, request_hash, response, created_at,
            expires_at)
          SELECT r.user_id, r.scope, r.key, r.request_hash, r.response, r.created_at, r.expires_at
          FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS r(event_id uuid,
            user_id uuid, scope text, key text, request_hash text, response jsonb,
            created_at timestamptz, expires_at timestamptz)
          WHERE r.event_id IN (SELECT event_id FROM inv)
        ), new_events AS (
          -- In the order given (the relay delivers by seq): created before confirmed.
          INSERT INTO outbox (id, topic, version, aggregate_id, payload, occurred_at)
          SELECT (e.doc->>'id')::uuid, e.doc->>'topic', (e.doc->>'version')::int,
            e.doc->>'aggregate_id', e.doc->'payload', (e.doc->>'occurred_at')::timestamptz
          FROM jsonb_array_elements(${JSON.stringify(outbox)}::jsonb) WITH ORDINALITY AS e(doc, n)
          WHERE (e.doc->>'event_id')::uuid IN (SELECT event_id FROM inv)
          ORDER BY e.n
        ), new_audits AS (
          INSERT INTO audit_log (id, entity, entity_id, action, actor_id, before, after, at)
          SELECT r.id, r.entity, r.entity_id, r.action, r.actor_id, r.before, r.after, r.at
          FROM jsonb_to_recordset(${JSON.stringify(audits)}::jsonb) AS r(id uuid, entity text,
            entity_id text, action text, actor_id uuid, before jsonb, after jsonb,
            at timestamptz, event_id uuid)
          WHERE r.event_id IN (SELECT event_id FROM inv)
        )
        SELECT (SELECT array_agg(event_id::text) FROM inv) AS written,
          (SELECT pg_notify(${OUTBOX_CHANNEL}, '') WHERE EXISTS (SELECT 1 FROM inv)) AS notified`.execute(
        db,
      );
      return new Set(rows[0]?.written ?? []);
    } catch (error) {
      if (isConflict(error)) return 'conflict';
      throw error;
    }
  },
};

function resultIdOf(response: unknown): string | null {
  if (response && typeof response === 'object' && 'id' in response) {
    return typeof response.id === 'string' ? response.id : null;
  }
  return null;
}

/** A key or a seat recorded by another batch meanwhile, or a deadlock: the statement failed whole. */
function isConflict(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === UNIQUE_VIOLATION || error.code === DEADLOCK_DETECTED)
  );
}

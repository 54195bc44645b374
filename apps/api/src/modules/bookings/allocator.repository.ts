import { type Database, OUTBOX_CHANNEL, type OutboxRow } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { AuditRow } from '../../audit/audit.repository.js';
import { type BookingTerms, toBookingTerms } from '../events/booking-terms.js';
import type { BookingRow } from './bookings.repository.js';
import { IDEMPOTENCY_TTL_MS, type KeyRef } from './idempotency.repository.js';
import { type InventoryCounts, inventoryRepository } from './inventory.repository.js';

/** Everything a batch decision rests on, read in one round trip. */
export interface BatchState {
  terms: BookingTerms;
  inventory: InventoryCounts | null;
  /** Entries waiting in the queue: while anyone waits, direct bookings are sold out. */
  waiting: number;
  /** Seats each of the batch's users already holds or owns (only when maxPerUser is set). */
  owned: Map<string, number>;
  /** The batch's idempotency keys already on record, by `${userId}:${key}`. */
  keys: Map<string, { requestHash: string; resultId: string | null; live: boolean }>;
}

export interface BatchWrite {
  eventId: string;
  /** The versions the decision was made on: the write happens only if neither moved. */
  inventoryVersion: number;
  eventVersion: number;
  seats: { confirmed: number; held: number };
  /** Complete rows (ids and timestamps set by the caller): nothing needs reading back. */
  bookings: BookingRow[];
  keys: { userId: string; scope: string; key: string; requestHash: string; resultId: string }[];
  outbox: OutboxRow[];
  audits: AuditRow[];
  now: Date;
}

const UNIQUE_VIOLATION = '23505';

/**
 * The allocator's SQL. A batch costs two round trips: one read of everything the decision needs,
 * and one statement that writes the whole batch — a single statement is a transaction of its
 * own, so there is no BEGIN/COMMIT to wait for while the event's lock is held.
 */
export const allocatorRepository = {
  async readBatchState(
    db: Kysely<Database>,
    eventId: string,
    scope: string,
    userIds: string[],
    keyRefs: KeyRef[],
    now: Date,
  ): Promise<BatchState | undefined> {
    const row = await db
      .selectFrom('events as e')
      .select([
        'e.id',
        'e.organizer_id',
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
        inventoryRepository.countsColumn(db, eventId).as('inventory'),
        eb
          .selectFrom('waitlist_entries as w')
          .select(eb.fn.countAll<string>().as('n'))
          .whereRef('w.event_id', '=', 'e.id')
          .where('w.status', '=', 'waiting')
          .as('waiting'),
        jsonArrayFrom(
          eb
            .selectFrom('bookings as b')
            .select(['b.user_id', (b) => b.fn.sum<string>('b.quantity').as('seats')])
            .whereRef('b.event_id', '=', 'e.id')
            // Only a per-user limit needs them; an empty list skips the index probe.
            .where('b.user_id', '=', (b) => b.fn.any(b.val(userIds).$castTo<string[]>()))
            .where('e.max_per_user', 'is not', null)
            .where('b.status', 'in', ['pending', 'confirmed'])
            .groupBy('b.user_id'),
        ).as('owned'),
        jsonArrayFrom(
          eb
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
            ),
        ).as('keys'),
      ])
      .where('e.id', '=', eventId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      terms: toBookingTerms(row),
      inventory: row.inventory,
      waiting: Number(row.waiting ?? 0),
      owned: new Map(row.owned.map((o) => [o.user_id, Number(o.seats)])),
      keys: new Map(
        row.keys.map((k) => [
          `${k.user_id}:${k.key}`,
          {
            requestHash: k.request_hash,
            resultId: resultIdOf(k.response),
            live: k.live === true,
          },
        ]),
      ),
    };
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
   * Writes a batch in one statement, only if the inventory and event rows still carry the
   * versions read: the inventory update, then (each conditioned on it) bookings, idempotency
   * keys, outbox events with their NOTIFY, and audit rows. False when a version moved (nothing is
   * written) or a key was recorded meanwhile (the statement fails on its unique index and rolls
   * back whole). The CHECK on the inventory row stays the last line.
   */
  async writeBatch(db: Kysely<Database>, w: BatchWrite): Promise<boolean> {
    const keyExpiry = new Date(w.now.getTime() + IDEMPOTENCY_TTL_MS);
    const keys = w.keys.map((k) => ({
      user_id: k.userId,
      scope: k.scope,
      key: k.key,
      request_hash: k.requestHash,
      response: { id: k.resultId },
      created_at: w.now,
      expires_at: keyExpiry,
    }));
    const audits = w.audits.map((a) => ({ ...a, at: w.now }));
    try {
      const { rows } = await sql<{ written: boolean }>`
        WITH inv AS (${inventoryRepository.consumeIfUnchanged(w)}), new_bookings AS (
          INSERT INTO bookings (id, event_id, user_id, quantity, status, unit_price_cents,
            total_cents, currency, expires_at, created_at, updated_at, confirmed_at)
          SELECT r.id, r.event_id, r.user_id, r.quantity, r.status, r.unit_price_cents,
            r.total_cents, r.currency, r.expires_at, r.created_at, r.updated_at, r.confirmed_at
          FROM jsonb_to_recordset(${JSON.stringify(w.bookings)}::jsonb) AS r(id uuid,
            event_id uuid, user_id uuid, quantity int, status text, unit_price_cents bigint,
            total_cents bigint, currency text, expires_at timestamptz, created_at timestamptz,
            updated_at timestamptz, confirmed_at timestamptz)
          WHERE EXISTS (SELECT 1 FROM inv)
        ), new_keys AS (
          INSERT INTO idempotency_keys (user_id, scope, key, request_hash, response, created_at,
            expires_at)
          SELECT r.user_id, r.scope, r.key, r.request_hash, r.response, r.created_at, r.expires_at
          FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS r(user_id uuid, scope text,
            key text, request_hash text, response jsonb, created_at timestamptz,
            expires_at timestamptz)
          WHERE EXISTS (SELECT 1 FROM inv)
        ), new_events AS (
          -- In the order given (the relay delivers by seq): created before confirmed.
          INSERT INTO outbox (id, topic, version, aggregate_id, payload, occurred_at)
          SELECT (e.doc->>'id')::uuid, e.doc->>'topic', (e.doc->>'version')::int,
            e.doc->>'aggregate_id', e.doc->'payload', (e.doc->>'occurred_at')::timestamptz
          FROM jsonb_array_elements(${JSON.stringify(w.outbox)}::jsonb) WITH ORDINALITY AS e(doc, n)
          WHERE EXISTS (SELECT 1 FROM inv)
          ORDER BY e.n
        ), new_audits AS (
          INSERT INTO audit_log (id, entity, entity_id, action, actor_id, before, after, at)
          SELECT r.id, r.entity, r.entity_id, r.action, r.actor_id, r.before, r.after, r.at
          FROM jsonb_to_recordset(${JSON.stringify(audits)}::jsonb) AS r(id uuid, entity text,
            entity_id text, action text, actor_id uuid, before jsonb, after jsonb,
            at timestamptz)
          WHERE EXISTS (SELECT 1 FROM inv)
        )
        SELECT EXISTS (SELECT 1 FROM inv) AS written,
          (SELECT pg_notify(${OUTBOX_CHANNEL}, '') FROM inv) AS notified`.execute(db);
      return rows[0]?.written === true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
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

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === UNIQUE_VIOLATION
  );
}

import type { Database } from '@evently/db';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

/** A voucher with the ticket types it applies to (none: every type of its event). */
export type VoucherRow = Selectable<Database['vouchers']> & { ticket_type_ids: string[] };

/** What a voucher change needs to know about its event. */
export interface VoucherEventRow {
  id: string;
  organization_id: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed';
  capacity: number;
}

/** The columns a change writes (the code, the event and the counters stay). */
export interface VoucherWrite {
  max_uses: number;
  valid_from: Date | null;
  valid_until: Date | null;
  effect_kind: Database['vouchers']['effect_kind'];
  effect_value: number;
  unlocks_hidden: boolean;
  reserved: number;
}

/** The voucher's types, as one JSON column (an empty array: every type). */
const typesOf = sql<
  string[]
>`coalesce((SELECT json_agg(vt.ticket_type_id ORDER BY vt.ticket_type_id)
  FROM voucher_ticket_types vt WHERE vt.voucher_id = v.id), '[]'::json)`.as('ticket_type_ids');

/** `%` and `_` match themselves in a search (LIKE's escape character is the backslash). */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, '\\$&');

/**
 * Every SQL statement on `vouchers` and `voucher_ticket_types`. Changes run in a transaction
 * that has already held the event's row (`lockEvent`) and locked and versioned its inventory row
 * (`lockInventoryForChange`): the lock order is the event, its inventory row, then the vouchers.
 */
export const vouchersRepository = {
  event(db: Db, eventId: string): Promise<VoucherEventRow | undefined> {
    return db
      .selectFrom('events')
      .select(['id', 'organization_id', 'status', 'capacity'])
      .where('id', '=', eventId)
      .executeTakeFirst();
  },

  /**
   * The event's row held FOR SHARE until the change commits: it is not published (which opens
   * its inventory row), cancelled or resized meanwhile, so the status and capacity the change is
   * decided on hold, and a draft published a moment ago already has the inventory row locked
   * next. The events module takes this row FOR UPDATE before the inventory row too (as the
   * ticket types' changes take it FOR SHARE): the same order, so no deadlock.
   */
  lockEvent(trx: Transaction<Database>, eventId: string): Promise<VoucherEventRow | undefined> {
    return trx
      .selectFrom('events')
      .select(['id', 'organization_id', 'status', 'capacity'])
      .where('id', '=', eventId)
      .forShare()
      .executeTakeFirst();
  },

  find(db: Db, id: string): Promise<VoucherRow | undefined> {
    return db
      .selectFrom('vouchers as v')
      .selectAll('v')
      .select(typesOf)
      .where('v.id', '=', id)
      .executeTakeFirst();
  },

  /** The voucher, locked for a change (after the event's inventory row). */
  lock(trx: Transaction<Database>, id: string): Promise<VoucherRow | undefined> {
    return trx
      .selectFrom('vouchers as v')
      .selectAll('v')
      .select(typesOf)
      .where('v.id', '=', id)
      .forUpdate('v')
      .executeTakeFirst();
  },

  /** The code's voucher, only while its event is on the public's side (published). */
  findPublished(db: Db, eventId: string, code: string): Promise<VoucherRow | undefined> {
    return db
      .selectFrom('vouchers as v')
      .innerJoin('events as e', 'e.id', 'v.event_id')
      .selectAll('v')
      .select(typesOf)
      .where('v.event_id', '=', eventId)
      .where('v.code', '=', code)
      .where('e.status', '=', 'published')
      .executeTakeFirst();
  },

  /** Which of `ids` are ticket types of the event. */
  async ticketTypesOf(db: Db, eventId: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom('ticket_types')
      .select('id')
      .where('event_id', '=', eventId)
      .where('id', 'in', [...ids])
      .execute();
    return new Set(rows.map((r) => r.id));
  },

  /**
   * Seats the event's live contingents hold back (enabled vouchers not over yet), apart from
   * `exceptId`'s.
   */
  async reservedSeats(
    db: Db,
    eventId: string,
    now: Date,
    exceptId: string | undefined,
  ): Promise<number> {
    let query = db
      .selectFrom('vouchers')
      .select(sql<string>`coalesce(sum(reserved), 0)`.as('n'))
      .where('event_id', '=', eventId)
      .where('reserved', '>', 0)
      .where('disabled_at', 'is', null)
      .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', now)]));
    if (exceptId) query = query.where('id', '<>', exceptId);
    const { n } = await query.executeTakeFirstOrThrow();
    return Number(n);
  },

  /**
   * New vouchers, one per code; a code the event already has is skipped (not an error that
   * would abort the transaction): the caller sees which were written and retries the others.
   */
  async insert(
    trx: Transaction<Database>,
    eventId: string,
    codes: readonly string[],
    fields: VoucherWrite,
    at: Date,
  ): Promise<Selectable<Database['vouchers']>[]> {
    if (codes.length === 0) return [];
    return trx
      .insertInto('vouchers')
      .values(
        codes.map((code) => ({
          event_id: eventId,
          code,
          ...fields,
          created_at: at,
          updated_at: at,
        })),
      )
      .onConflict((oc) => oc.columns(['event_id', 'code']).doNothing())
      .returningAll()
      .execute();
  },

  /** Every voucher of `voucherIds` applies to exactly `ticketTypeIds` (none: every type). */
  async setTicketTypes(
    trx: Transaction<Database>,
    voucherIds: readonly string[],
    ticketTypeIds: readonly string[],
  ): Promise<void> {
    if (voucherIds.length === 0) return;
    await trx
      .deleteFrom('voucher_ticket_types')
      .where('voucher_id', 'in', [...voucherIds])
      .execute();
    if (ticketTypeIds.length === 0) return;
    // Two arrays, not a row per pair: 1,000 codes times 100 types stays one small statement.
    await sql`INSERT INTO voucher_ticket_types (voucher_id, ticket_type_id)
      SELECT v, t FROM unnest(${[...voucherIds]}::uuid[]) v
      CROSS JOIN unnest(${[...ticketTypeIds]}::uuid[]) t`.execute(trx);
  },

  update(
    trx: Transaction<Database>,
    id: string,
    fields: VoucherWrite,
    at: Date,
  ): Promise<Selectable<Database['vouchers']>> {
    return trx
      .updateTable('vouchers')
      .set((eb) => ({ ...fields, version: eb('version', '+', 1), updated_at: at }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  disable(
    trx: Transaction<Database>,
    id: string,
    at: Date,
  ): Promise<Selectable<Database['vouchers']>> {
    return trx
      .updateTable('vouchers')
      .set((eb) => ({ disabled_at: at, version: eb('version', '+', 1), updated_at: at }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  /** Keyset page on (created_at, id), newest first; `q` is part of a code (lower-case). */
  list(
    db: Db,
    filter: {
      eventId: string;
      q?: string | undefined;
      after?: { createdAt: string; id: string } | undefined;
      limit: number;
    },
  ): Promise<VoucherRow[]> {
    let query = db
      .selectFrom('vouchers as v')
      .selectAll('v')
      .select(typesOf)
      .where('v.event_id', '=', filter.eventId);
    if (filter.q) query = query.where('v.code', 'like', `%${likeEscaped(filter.q)}%`);
    const after = filter.after;
    if (after) {
      const createdAt = new Date(after.createdAt);
      query = query.where((eb) =>
        eb.or([
          eb('v.created_at', '<', createdAt),
          eb.and([eb('v.created_at', '=', createdAt), eb('v.id', '<', after.id)]),
        ]),
      );
    }
    return query
      .orderBy('v.created_at', 'desc')
      .orderBy('v.id', 'desc')
      .limit(filter.limit)
      .execute();
  },
};

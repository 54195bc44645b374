import type { Database } from '@evently/db';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

export type QuotaRow = Selectable<Database['quotas']> & {
  /** Its member types, in the event's display order. */
  ticket_type_ids: string[];
};

/** Seats of some types in live bookings. */
export interface LiveSeats {
  confirmed: number;
  held: number;
}

const COLUMNS = [
  'q.id',
  'q.event_id',
  'q.name',
  'q.size',
  'q.confirmed',
  'q.held',
  'q.version',
  'q.created_at',
  'q.updated_at',
] as const;

/**
 * Every SQL statement this module runs on `quotas` and `quota_ticket_types`. Seats are moved by
 * the bookings module (with the event's inventory row); here quotas are made, resized, given
 * their types and deleted — always after the caller locked and versioned that row.
 */
export const quotasRepository = {
  /** A new quota counting `seats` already (the live bookings of its types). */
  async insert(
    trx: Transaction<Database>,
    row: { eventId: string; name: string; size: number; seats: LiveSeats; at: Date },
  ): Promise<string> {
    const { id } = await trx
      .insertInto('quotas')
      .values({
        event_id: row.eventId,
        name: row.name,
        size: row.size,
        confirmed: row.seats.confirmed,
        held: row.seats.held,
        created_at: row.at,
        updated_at: row.at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  },

  /** The quota's types are exactly `ticketTypeIds` (the caller checked they are its event's). */
  async setMembers(
    trx: Transaction<Database>,
    quotaId: string,
    ticketTypeIds: readonly string[],
  ): Promise<void> {
    await trx.deleteFrom('quota_ticket_types').where('quota_id', '=', quotaId).execute();
    if (ticketTypeIds.length === 0) return;
    await trx
      .insertInto('quota_ticket_types')
      .values(ticketTypeIds.map((id) => ({ quota_id: quotaId, ticket_type_id: id })))
      .execute();
  },

  find(db: Db, id: string): Promise<QuotaRow | undefined> {
    return db
      .selectFrom('quotas as q')
      .select(COLUMNS)
      .select(membersOf)
      .where('q.id', '=', id)
      .executeTakeFirst();
  },

  /** The quota locked (after the event's inventory row: the lock order). */
  lock(trx: Transaction<Database>, id: string): Promise<QuotaRow | undefined> {
    return trx
      .selectFrom('quotas as q')
      .select(COLUMNS)
      .select(membersOf)
      .where('q.id', '=', id)
      .forUpdate('q')
      .executeTakeFirst();
  },

  listForEvent(db: Db, eventId: string): Promise<QuotaRow[]> {
    return db
      .selectFrom('quotas as q')
      .select(COLUMNS)
      .select(membersOf)
      .where('q.event_id', '=', eventId)
      .orderBy('q.created_at')
      .orderBy('q.id')
      .execute();
  },

  /** Sets what changed and moves the version; the counts are the caller's (live seats). */
  async update(
    trx: Transaction<Database>,
    id: string,
    patch: { name?: string; size?: number; seats?: LiveSeats; at: Date },
  ): Promise<void> {
    await trx
      .updateTable('quotas')
      .set((eb) => ({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.size !== undefined && { size: patch.size }),
        ...(patch.seats && { confirmed: patch.seats.confirmed, held: patch.seats.held }),
        version: eb('version', '+', 1),
        updated_at: patch.at,
      }))
      .where('id', '=', id)
      .execute();
  },

  async delete(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('quotas').where('id', '=', id).execute();
  },

  /**
   * Seats of these types in confirmed and pending bookings: what a quota of exactly these types
   * counts (the bookings module moves quota counts by the lines of the types in it). Exact only
   * under the event's inventory row lock, which every seat move takes.
   */
  async liveSeats(db: Db, ticketTypeIds: readonly string[]): Promise<LiveSeats> {
    if (ticketTypeIds.length === 0) return { confirmed: 0, held: 0 };
    const { rows } = await sql<{ confirmed: number; held: number }>`
      SELECT coalesce(sum(i.quantity) FILTER (WHERE b.status = 'confirmed'), 0)::int AS confirmed,
        coalesce(sum(i.quantity) FILTER (WHERE b.status = 'pending'), 0)::int AS held
      FROM booking_items i JOIN bookings b ON b.id = i.booking_id
      WHERE i.ticket_type_id = ANY(${[...ticketTypeIds]}::uuid[])
        AND b.status IN ('confirmed', 'pending')`.execute(db);
    return rows[0] ?? { confirmed: 0, held: 0 };
  },
};

/** The quota's member types as an array column, in the event's display order. */
const membersOf = sql<string[]>`coalesce((SELECT array_agg(qt.ticket_type_id::text
    ORDER BY t.position, t.created_at, t.id)
  FROM quota_ticket_types qt JOIN ticket_types t ON t.id = qt.ticket_type_id
  WHERE qt.quota_id = q.id), '{}')`.as('ticket_type_ids');

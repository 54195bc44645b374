import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { WaitlistRow } from './bookings.repository.js';
import { type Selling, sellingColumn, toSelling } from './selling.repository.js';
import type { QueuedEntry } from './waitlist-queue.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The reads the waitlist's offers and holds are decided on (see waitlist-queue.ts). */
export const waitlistQueueRepository = {
  /** What the event sells now: its types with their quotas, the quotas, live contingents. */
  async selling(db: Db, eventId: string, now: Date): Promise<Selling> {
    const { rows } = await sql<{ selling: Parameters<typeof toSelling>[0] }>`
      SELECT ${sellingColumn(sql<string>`${eventId}::uuid`, [], now)} AS selling`.execute(db);
    const [row] = rows;
    if (!row) throw new Error('the selling read returns one row');
    return toSelling(row.selling);
  },

  /**
   * The first `perType` waiting entries of each of the event's lines, in join order, locked
   * (every queue change holds the inventory row first, so these locks never wait on another
   * promotion). A line longer than that is read again once its first entries are served.
   */
  async lines(
    trx: Transaction<Database>,
    eventId: string,
    perType: number,
  ): Promise<WaitlistRow[]> {
    const { rows } = await sql<WaitlistRow>`
      SELECT w.* FROM ticket_types t CROSS JOIN LATERAL (
        SELECT * FROM waitlist_entries w
        WHERE w.ticket_type_id = t.id AND w.status = 'waiting'
        ORDER BY w.join_seq LIMIT ${perType} FOR UPDATE) w
      WHERE t.event_id = ${eventId}
      ORDER BY w.join_seq`.execute(trx);
    return rows;
  },

  /** The head of each of the event's lines, in join order, and how many wait in each line. */
  async heads(
    db: Db,
    eventId: string,
  ): Promise<{ heads: QueuedEntry[]; waiting: Map<string, number> }> {
    const { rows } = await sql<QueuedEntry & { waiting: string }>`
      SELECT h.ticket_type_id AS "ticketTypeId", h.user_id AS "userId", h.quantity,
        (SELECT count(*) FROM waitlist_entries c
          WHERE c.ticket_type_id = t.id AND c.status = 'waiting') AS waiting
      FROM ticket_types t CROSS JOIN LATERAL (
        SELECT w.ticket_type_id, w.user_id, w.quantity, w.join_seq FROM waitlist_entries w
        WHERE w.ticket_type_id = t.id AND w.status = 'waiting' ORDER BY w.join_seq LIMIT 1) h
      WHERE t.event_id = ${eventId}
      ORDER BY h.join_seq`.execute(db);
    return {
      heads: rows.map(({ waiting: _, ...head }) => head),
      waiting: new Map(rows.map((r) => [r.ticketTypeId, Number(r.waiting)])),
    };
  },
};

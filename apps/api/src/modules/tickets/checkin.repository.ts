import type { CheckinDirection } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

/** A list as its answers and checks need it, with its event's organization and status. */
export interface ListRow {
  id: string;
  event_id: string;
  name: string;
  ticket_type_ids: string[] | null;
  allow_reentry: boolean;
  created_at: Date;
  organization_id: string;
  event_status: 'draft' | 'published' | 'cancelled' | 'completed';
}

/** One scan of a ticket on a list, as recorded. */
export interface ScanFacts {
  listId: string;
  ticketId: string;
  at: Date;
  gate: string | null;
  nonce: string;
  scannedBy: string | null;
}

/** Where a ticket stands on a list: its entries and exits so far, and its last entry. */
export interface Standing {
  entries: number;
  exits: number;
  lastEntry: { at: Date; gate: string | null } | null;
}

/** The statements of check-in: lists, entries and exits, scans by nonce, counts. */
export const checkinRepository = {
  async createList(
    trx: Transaction<Database>,
    list: {
      id: string;
      eventId: string;
      name: string;
      ticketTypeIds: string[] | undefined;
      allowReentry: boolean;
      createdBy: string | null;
      at: Date;
    },
  ): Promise<void> {
    await trx
      .insertInto('checkin_lists')
      .values({
        id: list.id,
        event_id: list.eventId,
        name: list.name,
        all_types: list.ticketTypeIds === undefined,
        allow_reentry: list.allowReentry,
        created_by: list.createdBy,
        created_at: list.at,
      })
      .execute();
    if (list.ticketTypeIds?.length) {
      await trx
        .insertInto('checkin_list_types')
        .values(list.ticketTypeIds.map((id) => ({ list_id: list.id, ticket_type_id: id })))
        .execute();
    }
  },

  /** The event's types among `ids` (the others are not its). */
  async typesOfEvent(db: Db, eventId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom('ticket_types')
      .select('id')
      .where('event_id', '=', eventId)
      .where('id', 'in', [...ids])
      .execute();
    return rows.map((r) => r.id);
  },

  lists(db: Db, where: { listId: string } | { eventId: string }): Promise<ListRow[]> {
    let query = db
      .selectFrom('checkin_lists as l')
      .innerJoin('events as e', 'e.id', 'l.event_id')
      .select([
        'l.id',
        'l.event_id',
        'l.name',
        'l.allow_reentry',
        'l.created_at',
        'e.organization_id',
        'e.status as event_status',
        sql<string[] | null>`CASE WHEN l.all_types THEN NULL ELSE (SELECT coalesce(
          json_agg(t.ticket_type_id ORDER BY t.ticket_type_id), '[]') FROM checkin_list_types t
          WHERE t.list_id = l.id) END`.as('ticket_type_ids'),
      ]);
    query =
      'listId' in where
        ? query.where('l.id', '=', where.listId)
        : query.where('l.event_id', '=', where.eventId);
    return query.orderBy('l.created_at').orderBy('l.id').execute();
  },

  /** Each list's valid tickets and those inside now (more entries than exits). */
  async counts(db: Db, listIds: readonly string[]) {
    if (listIds.length === 0) return new Map<string, { checkedIn: number; total: number }>();
    const { rows } = await sql<{ id: string; total: number; checked_in: number }>`
      SELECT l.id,
        (SELECT count(*)::int FROM tickets t WHERE t.event_id = l.event_id AND t.status = 'valid'
          AND (l.all_types OR t.ticket_type_id IN (SELECT lt.ticket_type_id
            FROM checkin_list_types lt WHERE lt.list_id = l.id))) AS total,
        (SELECT count(*)::int FROM (SELECT c.ticket_id FROM checkins c WHERE c.list_id = l.id
          GROUP BY c.ticket_id HAVING count(*) FILTER (WHERE c.direction = 'entry')
            > count(*) FILTER (WHERE c.direction = 'exit')) inside) AS checked_in
      FROM checkin_lists l WHERE l.id = ANY(${[...listIds]}::uuid[])`.execute(db);
    return new Map(rows.map((r) => [r.id, { checkedIn: r.checked_in, total: r.total }]));
  },

  /**
   * Claims a scan's nonce on the list: true when this transaction holds it now; false when it
   * was already answered (a concurrent scan with the same nonce waits here for the first's
   * commit).
   */
  async claimNonce(trx: Transaction<Database>, listId: string, nonce: string, at: Date) {
    const row = await trx
      .insertInto('checkin_scans')
      .values({ list_id: listId, nonce, answer: null, at })
      .onConflict((oc) => oc.columns(['list_id', 'nonce']).doNothing())
      .returning('nonce')
      .executeTakeFirst();
    return row !== undefined;
  },

  async answerOf(db: Db, listId: string, nonce: string) {
    const row = await db
      .selectFrom('checkin_scans')
      .select('answer')
      .where('list_id', '=', listId)
      .where('nonce', '=', nonce)
      .executeTakeFirst();
    return row?.answer ?? undefined;
  },

  async recordAnswer(
    trx: Transaction<Database>,
    listId: string,
    nonce: string,
    answer: Record<string, unknown>,
  ) {
    await trx
      .updateTable('checkin_scans')
      .set({ answer: JSON.stringify(answer) })
      .where('list_id', '=', listId)
      .where('nonce', '=', nonce)
      .execute();
  },

  async standing(db: Db, listId: string, ticketId: string): Promise<Standing> {
    const row = await db
      .selectFrom('checkins')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('direction', '=', 'entry').as('entries'),
        eb.fn.countAll<string>().filterWhere('direction', '=', 'exit').as('exits'),
      ])
      .where('list_id', '=', listId)
      .where('ticket_id', '=', ticketId)
      .executeTakeFirstOrThrow();
    const last = await db
      .selectFrom('checkins')
      .select(['at', 'gate'])
      .where('list_id', '=', listId)
      .where('ticket_id', '=', ticketId)
      .where('direction', '=', 'entry')
      .orderBy('epoch', 'desc')
      .limit(1)
      .executeTakeFirst();
    return {
      entries: Number(row.entries),
      exits: Number(row.exits),
      lastEntry: last ? { at: last.at, gate: last.gate } : null,
    };
  },

  /** The ticket's `epoch`-th entry or exit, unless another scan recorded it first: whether this did. */
  async record(
    trx: Transaction<Database>,
    scan: ScanFacts & { direction: CheckinDirection; epoch: number },
  ): Promise<boolean> {
    const row = await trx
      .insertInto('checkins')
      .values({
        list_id: scan.listId,
        ticket_id: scan.ticketId,
        direction: scan.direction,
        epoch: scan.epoch,
        at: scan.at,
        gate: scan.gate,
        nonce: scan.nonce,
        scanned_by: scan.scannedBy,
      })
      .onConflict((oc) => oc.constraint('checkins_epoch').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * An earlier scan of the ticket's first entry, reported late by an offline scanner: it becomes
   * the entry (the earliest scan wins), if the entry on record is still later.
   */
  async moveFirstEntry(trx: Transaction<Database>, scan: ScanFacts): Promise<boolean> {
    const row = await trx
      .updateTable('checkins')
      .set({ at: scan.at, gate: scan.gate, nonce: scan.nonce, scanned_by: scan.scannedBy })
      .where('list_id', '=', scan.listId)
      .where('ticket_id', '=', scan.ticketId)
      .where('direction', '=', 'entry')
      .where('epoch', '=', 0)
      .where('at', '>', scan.at)
      .returning('id')
      .executeTakeFirst();
    return row !== undefined;
  },

  /** Tickets of the list's event and types whose holder's name or email, or id, matches `q`. */
  async search(db: Db, list: ListRow, q: string, limit: number) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    let query = db
      .selectFrom('tickets as t')
      .innerJoin('bookings as b', 'b.id', 't.booking_id')
      .innerJoin('users as u', 'u.id', 'b.user_id')
      .innerJoin('ticket_types as tt', 'tt.id', 't.ticket_type_id')
      .select(['t.id', 'u.name', 'u.email', 'tt.name as ticket_type_name'])
      .where('t.event_id', '=', list.event_id)
      .where((eb) =>
        eb.or([
          eb('u.name', 'ilike', like),
          eb('u.email', 'ilike', like),
          // A ticket id's start (as printed under its QR code).
          ...(/^[0-9a-f-]+$/i.test(q) ? [eb(sql`t.id::text`, 'like', `${q.toLowerCase()}%`)] : []),
        ]),
      );
    if (list.ticket_type_ids) query = query.where('t.ticket_type_id', 'in', list.ticket_type_ids);
    return query.orderBy('u.name').orderBy('t.id').limit(limit).execute();
  },

  /** The list's tickets with their state and whether each is inside, for an offline scanner. */
  async exportTickets(db: Db, list: ListRow) {
    let query = db
      .selectFrom('tickets as t')
      .select([
        't.id',
        't.ticket_type_id',
        't.status',
        sql<boolean>`(SELECT count(*) FILTER (WHERE c.direction = 'entry')
          > count(*) FILTER (WHERE c.direction = 'exit')
          FROM checkins c WHERE c.list_id = ${list.id} AND c.ticket_id = t.id)`.as('inside'),
        sql<boolean>`EXISTS (SELECT 1 FROM checkins c WHERE c.list_id = ${list.id}
          AND c.ticket_id = t.id AND c.direction = 'entry')`.as('entered'),
      ])
      .where('t.event_id', '=', list.event_id);
    if (list.ticket_type_ids) query = query.where('t.ticket_type_id', 'in', list.ticket_type_ids);
    return query.orderBy('t.id').execute();
  },

  /** Which of these tickets are inside on the list now. */
  async insideOf(db: Db, listId: string, ticketIds: readonly string[]): Promise<Set<string>> {
    if (ticketIds.length === 0) return new Set();
    const { rows } = await sql<{ ticket_id: string }>`
      SELECT c.ticket_id FROM checkins c
      WHERE c.list_id = ${listId} AND c.ticket_id = ANY(${[...ticketIds]}::uuid[])
      GROUP BY c.ticket_id
      HAVING count(*) FILTER (WHERE c.direction = 'entry') > count(*) FILTER (WHERE c.direction = 'exit')`.execute(
      db,
    );
    return new Set(rows.map((r) => r.ticket_id));
  },
};

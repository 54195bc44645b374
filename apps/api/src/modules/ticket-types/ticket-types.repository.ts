import type { Database } from '@evently/db';
import {
  type Insertable,
  type Kysely,
  type Selectable,
  sql,
  type Transaction,
  type Updateable,
} from 'kysely';
import { freeSeatsColumn } from '../bookings/free-seats.js';

type Db = Kysely<Database> | Transaction<Database>;

export type TicketTypeRow = Selectable<Database['ticket_types']>;
export type TicketTypePatch = Updateable<Database['ticket_types']>;

/** What a change of an event's types or quotas needs to know about the event. */
export interface SellingEvent {
  id: string;
  organizationId: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed';
  currency: string;
}

/** A voucher's power to unlock hidden types: the types it applies to (null: every type). */
export interface Unlocking {
  ticketTypeIds: string[] | null;
}

/** What an event's free seats are now, for the types' availability. */
export interface EventRoom {
  /** capacity - confirmed - held of its inventory row. */
  free: number;
  /** Seats the caller's voucher's contingent still holds for them (0 without one). */
  contingent: number;
  /** Free seats of each type with seats in the event's plan (null without a plan). */
  seats: Record<string, number> | null;
}

/**
 * Every SQL statement on `ticket_types` (and the event and voucher facts this module decides by).
 * Quotas are quotas.repository.ts.
 */
export const ticketTypesRepository = {
  /**
   * The event's row held FOR SHARE until the change commits: it cannot be published (which
   * opens its inventory row), cancelled or changed meanwhile, so the status the change was
   * decided on holds, and a draft published a moment ago already has the inventory row the
   * change locks next. The events module takes this row FOR UPDATE before the inventory row
   * too: the same order, so no deadlock.
   */
  async lockEvent(trx: Transaction<Database>, eventId: string): Promise<SellingEvent | undefined> {
    const row = await trx
      .selectFrom('events')
      .select(['id', 'organization_id', 'status', 'currency'])
      .where('id', '=', eventId)
      .forShare()
      .executeTakeFirst();
    return row && toSellingEvent(row);
  },

  async event(db: Db, eventId: string): Promise<SellingEvent | undefined> {
    const row = await db
      .selectFrom('events')
      .select(['id', 'organization_id', 'status', 'currency'])
      .where('id', '=', eventId)
      .executeTakeFirst();
    return row && toSellingEvent(row);
  },

  async insert(
    trx: Transaction<Database>,
    row: Omit<Insertable<Database['ticket_types']>, 'position'>,
  ): Promise<TicketTypeRow> {
    // After the event's last type. Two creates at once may take the same position (the event's
    // row is only shared): lists break the tie by created_at, then id.
    return trx
      .insertInto('ticket_types')
      .values((eb) => ({
        ...row,
        position: eb
          .selectFrom('ticket_types')
          .select(eb.fn.coalesce(eb(eb.fn.max('position'), '+', 1), eb.val(0)).as('next'))
          .where('event_id', '=', row.event_id),
      }))
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  find(db: Db, id: string): Promise<TicketTypeRow | undefined> {
    return db.selectFrom('ticket_types').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Compare-and-set on `version`: undefined when it moved. */
  update(
    trx: Transaction<Database>,
    id: string,
    version: number,
    patch: TicketTypePatch,
  ): Promise<TicketTypeRow | undefined> {
    return trx
      .updateTable('ticket_types')
      .set((eb) => ({ ...patch, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst();
  },

  /** The event's types in display order, with the quotas each is in. */
  listForEvent(db: Db, eventId: string): Promise<(TicketTypeRow & { quota_ids: string[] })[]> {
    return db
      .selectFrom('ticket_types as t')
      .selectAll('t')
      .select(
        sql<string[]>`coalesce((SELECT array_agg(qt.quota_id::text) FROM quota_ticket_types qt
          WHERE qt.ticket_type_id = t.id), '{}')`.as('quota_ids'),
      )
      .where('t.event_id', '=', eventId)
      .orderBy('t.position')
      .orderBy('t.created_at')
      .orderBy('t.id')
      .execute();
  },

  /** How many of `ids` are types of `eventId`. */
  async countOfEvent(db: Db, eventId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { n } = await db
      .selectFrom('ticket_types')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('event_id', '=', eventId)
      .where('id', 'in', [...ids])
      .executeTakeFirstOrThrow();
    return Number(n);
  },

  /**
   * The voucher of `eventId` with this code (case-insensitive) if it unlocks hidden types now:
   * enabled, within [valid_from, valid_until). Its uses do not matter here (listing is not
   * redeeming; a booking checks them).
   */
  async unlocking(
    db: Db,
    eventId: string,
    code: string,
    now: Date,
  ): Promise<Unlocking | undefined> {
    const row = await db
      .selectFrom('vouchers as v')
      .select('v.id')
      .select(
        sql<string[] | null>`(SELECT array_agg(vt.ticket_type_id::text)
          FROM voucher_ticket_types vt WHERE vt.voucher_id = v.id)`.as('type_ids'),
      )
      .where('v.event_id', '=', eventId)
      .where('v.code', '=', code.toLowerCase())
      .where('v.unlocks_hidden', '=', true)
      .where('v.disabled_at', 'is', null)
      .where((eb) => eb.or([eb('v.valid_from', 'is', null), eb('v.valid_from', '<=', now)]))
      .where((eb) => eb.or([eb('v.valid_until', 'is', null), eb('v.valid_until', '>', now)]))
      .executeTakeFirst();
    // None listed: it applies to every type of its event.
    return row && { ticketTypeIds: row.type_ids };
  },

  /**
   * The event's free seats; undefined before it is published (no row). Seats
   * live vouchers hold back (their contingents' untaken part) are not free — but to the holder of
   * `voucherCode` (lower-case) its own contingent is, as the allocator counts them.
   */
  async room(
    db: Db,
    eventId: string,
    now: Date,
    voucherCode?: string,
  ): Promise<EventRoom | undefined> {
    const row = await db
      .selectFrom('event_inventory as i')
      .select(() => [
        sql<string>`i.capacity - i.confirmed - i.held - coalesce((
          SELECT sum(greatest(v.reserved - v.seats, 0)) FROM vouchers v
          WHERE v.event_id = i.event_id AND v.disabled_at IS NULL
            AND (v.valid_until IS NULL OR v.valid_until > ${now})
            AND v.code IS DISTINCT FROM ${voucherCode ?? null}), 0)`.as('free'),
        // Redeemable now, as the allocator's rule 5 asks before it sells a contingent.
        sql<string>`coalesce((SELECT greatest(v.reserved - v.seats, 0) FROM vouchers v
          WHERE v.event_id = i.event_id AND v.code = ${voucherCode ?? null}
            AND v.disabled_at IS NULL AND v.used < v.max_uses
            AND (v.valid_from IS NULL OR v.valid_from <= ${now})
            AND (v.valid_until IS NULL OR v.valid_until > ${now})), 0)`.as('contingent'),
        freeSeatsColumn(sql.ref('i.event_id')).as('seats'),
      ])
      .where('i.event_id', '=', eventId)
      .executeTakeFirst();
    return row && { free: Number(row.free), contingent: Number(row.contingent), seats: row.seats };
  },
};

function toSellingEvent(row: {
  id: string;
  organization_id: string;
  status: SellingEvent['status'];
  currency: string;
}): SellingEvent {
  return {
    id: row.id,
    organizationId: row.organization_id,
    status: row.status,
    currency: row.currency,
  };
}

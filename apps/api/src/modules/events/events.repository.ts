import type { EventStatus } from '@evently/contracts';
import type { Database } from '@evently/db';
import {
  type Insertable,
  type Kysely,
  type Selectable,
  sql,
  type Transaction,
  type Updateable,
} from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export type EventRow = Omit<Selectable<Database['events']>, 'search'>;
export type NewEventRow = Insertable<Database['events']>;
export type EventPatch = Updateable<Database['events']>;

const COLUMNS = [
  'id',
  'organizer_id',
  'organization_id',
  'status',
  'title',
  'description',
  'venue',
  'starts_at',
  'ends_at',
  'capacity',
  'price_cents',
  'currency',
  'max_per_booking',
  'max_per_user',
  'sales_start_at',
  'sales_end_at',
  'cancellation_policy',
  'version',
  'created_at',
  'updated_at',
  'published_at',
  'cancelled_at',
  'cancel_reason',
] as const;

/** Which events a caller may see in a list. */
export type EventVisibility =
  | { kind: 'public' }
  | { kind: 'organizations'; organizationIds: string[] }
  | { kind: 'all' };

export interface EventListQuery {
  visibility: EventVisibility;
  q?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  status?: EventStatus | undefined;
  organizerId?: string | undefined;
  organizationId?: string | undefined;
  after?: { startsAt: string; id: string } | undefined;
  limit: number;
}

const PUBLIC_STATUSES: EventStatus[] = ['published', 'cancelled', 'completed'];

/** Every SQL statement on `events`. */
export const eventsRepository = {
  find(db: Db, id: string): Promise<EventRow | undefined> {
    return db.selectFrom('events').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  },

  /** Locks the row for the rest of the transaction (state changes read-then-write). */
  findForUpdate(trx: Transaction<Database>, id: string): Promise<EventRow | undefined> {
    return trx
      .selectFrom('events')
      .select(COLUMNS)
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  insert(trx: Transaction<Database>, row: NewEventRow): Promise<EventRow> {
    return trx.insertInto('events').values(row).returning(COLUMNS).executeTakeFirstOrThrow();
  },

  /** Compare-and-set on the version: undefined when someone else changed it first. */
  update(
    trx: Transaction<Database>,
    id: string,
    expectedVersion: number,
    patch: EventPatch,
  ): Promise<EventRow | undefined> {
    return trx
      .updateTable('events')
      .set((eb) => ({ ...patch, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('id', '=', id)
      .where('version', '=', expectedVersion)
      .returning(COLUMNS)
      .executeTakeFirst();
  },

  async delete(trx: Transaction<Database>, id: string): Promise<void> {
    await trx.deleteFrom('events').where('id', '=', id).execute();
  },

  /** Keyset page on (starts_at, id), ascending. */
  list(db: Db, query: EventListQuery): Promise<EventRow[]> {
    let sel = db.selectFrom('events').select(COLUMNS);
    const v = query.visibility;
    if (v.kind === 'public') sel = sel.where('status', 'in', PUBLIC_STATUSES);
    if (v.kind === 'organizations') {
      sel = sel.where((eb) =>
        eb.or([
          eb('status', 'in', PUBLIC_STATUSES),
          eb('organization_id', 'in', v.organizationIds),
        ]),
      );
    }
    if (query.status) sel = sel.where('status', '=', query.status);
    if (query.organizerId) sel = sel.where('organizer_id', '=', query.organizerId);
    if (query.organizationId) sel = sel.where('organization_id', '=', query.organizationId);
    if (query.from) sel = sel.where('starts_at', '>=', new Date(query.from));
    if (query.to) sel = sel.where('starts_at', '<', new Date(query.to));
    if (query.q)
      sel = sel.where(sql<boolean>`search @@ websearch_to_tsquery('english', ${query.q})`);
    const after = query.after;
    if (after) {
      sel = sel.where((eb) =>
        eb.or([
          eb('starts_at', '>', new Date(after.startsAt)),
          eb.and([eb('starts_at', '=', new Date(after.startsAt)), eb('id', '>', after.id)]),
        ]),
      );
    }
    return sel.orderBy('starts_at').orderBy('id').limit(query.limit).execute();
  },

  /** Marks ended published events completed; returns them (before the change). */
  completeEnded(trx: Transaction<Database>, now: Date, limit: number): Promise<EventRow[]> {
    return trx
      .updateTable('events')
      .set((eb) => ({ status: 'completed', version: eb('version', '+', 1), updated_at: now }))
      .where(
        'id',
        'in',
        trx
          .selectFrom('events')
          .select('id')
          .where('status', '=', 'published')
          .where('ends_at', '<=', now)
          .orderBy('ends_at')
          .limit(limit)
          .forUpdate()
          .skipLocked(),
      )
      .returning(COLUMNS)
      .execute();
  },
};

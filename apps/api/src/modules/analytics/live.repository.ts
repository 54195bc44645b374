import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { type StatsRow, toEventStats } from './analytics.mappers.js';
import { ofOrganizations } from './analytics.repository.js';
import { detailOf } from './detail.queries.js';
import { type DetailSource, toEventDetail } from './event-detail.js';
import { type LiveMessage, liveMessageSchema } from './live-message.js';

/**
 * Which updates a reader may see: one event, the events of some organizations, or (neither set)
 * all. A stream reads it at every update: narrowing `organizationIds` takes effect at once.
 */
export interface LiveScope {
  eventId?: string | undefined;
  organizationIds?: readonly string[] | undefined;
}

/** Reads (and the pruning) of the live-update log. */
export const liveRepository = {
  /** The number of the latest committed update, and how far the log has been pruned. */
  async cursor(db: Kysely<Database>): Promise<{ seq: bigint; prunedThrough: bigint }> {
    const row = await db
      .selectFrom('analytics_live_cursor')
      .select(['seq', 'pruned_through'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return { seq: BigInt(row.seq), prunedThrough: BigInt(row.pruned_through) };
  },

  /**
   * Updates after `after` (at most up to `through`), in order, at most `limit`; with their
   * detail for a one-event scope (or when asked: the hub hands every stream its updates), else
   * without the updates that moved only the detail.
   */
  async updatesAfter(
    db: Kysely<Database>,
    after: bigint,
    scope: LiveScope,
    limit: number,
    through?: bigint,
    withDetail: boolean = scope.eventId !== undefined,
  ): Promise<LiveMessage[]> {
    let query = db
      .selectFrom('analytics_live_updates')
      .select(['seq', 'event_id', 'organization_id', 'stats'])
      .$if(withDetail, (q) => q.select(['detail', 'detail_only']))
      .$if(!withDetail, (q) => q.where('detail_only', '=', false))
      .where('seq', '>', after.toString())
      .orderBy('seq')
      .limit(limit);
    if (through !== undefined) query = query.where('seq', '<=', through.toString());
    if (scope.eventId) query = query.where('event_id', '=', scope.eventId);
    if (scope.organizationIds) query = query.where(ofOrganizations(scope.organizationIds));
    const rows = await query.execute();
    return rows.map((r) =>
      liveMessageSchema.parse({
        seq: r.seq,
        eventId: r.event_id,
        organizationId: r.organization_id,
        stats: r.stats,
        // Older rows have none.
        detail: r.detail ?? undefined,
        detailOnly: r.detail_only || undefined,
      }),
    );
  },

  /**
   * One event's figures and detail (every voucher used so far) and the update number they
   * include, read in one statement: one snapshot.
   */
  async snapshot(
    db: Kysely<Database>,
    eventId: string,
  ): Promise<{ seq: bigint; stats: StatsRow | undefined; detail: DetailSource }> {
    const { rows } = await sql<StatsRow & { cursor_seq: string; detail: DetailSource }>`
      SELECT s.*, c.seq AS cursor_seq, ${detailOf(sql`${eventId}::uuid`, 'all')} AS detail
      FROM analytics_live_cursor c
      LEFT JOIN analytics_event_stats s ON s.event_id = ${eventId}
      WHERE c.id = 1`.execute(db);
    const row = rows[0];
    if (!row) throw new Error('analytics_live_cursor has no row');
    const { cursor_seq, detail, ...stats } = row;
    return { seq: BigInt(cursor_seq), stats: stats.event_id ? stats : undefined, detail };
  },

  /**
   * The current figures of every event in scope that changed after `after`, in the order of
   * their latest update: what a client too far behind for the (pruned) log gets instead.
   */
  async latestAfter(
    db: Kysely<Database>,
    after: bigint,
    scope: LiveScope,
    limit: number,
  ): Promise<LiveMessage[]> {
    const withDetail = scope.eventId !== undefined;
    let query = db
      .selectFrom('analytics_event_stats as s')
      .selectAll('s')
      .$if(withDetail, (q) => q.select(detailOf(sql.ref('s.event_id'), 'all').as('detail')))
      .where('live_seq', '>', after.toString())
      .orderBy('live_seq')
      .limit(limit);
    if (scope.eventId) query = query.where('event_id', '=', scope.eventId);
    if (scope.organizationIds) query = query.where(ofOrganizations(scope.organizationIds));
    const rows = await query.execute();
    return rows.map((r) => ({
      seq: r.live_seq,
      eventId: r.event_id,
      organizationId: r.organization_id,
      stats: toEventStats(r),
      ...('detail' in r && r.detail ? { detail: toEventDetail(r.detail) } : {}),
    }));
  },

  /** Drops updates older than `before`, remembering how far the log now starts. */
  async prune(db: Kysely<Database>, before: Date): Promise<number> {
    return db.transaction().execute(async (trx) => {
      const { through } = await trx
        .selectFrom('analytics_live_updates')
        .select((eb) => eb.fn.max('seq').as('through'))
        .where('created_at', '<', before)
        .executeTakeFirstOrThrow();
      if (through === null) return 0;
      const gone = await trx
        .deleteFrom('analytics_live_updates')
        .where('seq', '<=', through)
        .executeTakeFirst();
      await trx
        .updateTable('analytics_live_cursor')
        .set({ pruned_through: sql<string>`GREATEST(pruned_through, ${through}::bigint)` })
        .where('id', '=', 1)
        .execute();
      return Number(gone.numDeletedRows);
    });
  },
};

import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { type StatsRow, toEventStats } from './analytics.mappers.js';
import { ofOrganizations } from './analytics.repository.js';
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

  /** Updates after `after` (at most up to `through`), in order, at most `limit`. */
  async updatesAfter(
    db: Kysely<Database>,
    after: bigint,
    scope: LiveScope,
    limit: number,
    through?: bigint,
  ): Promise<LiveMessage[]> {
    let query = db
      .selectFrom('analytics_live_updates')
      .select(['seq', 'event_id', 'organization_id', 'stats'])
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
      }),
    );
  },

  /** One event's figures and the update number they include, read in one snapshot. */
  async snapshot(
    db: Kysely<Database>,
    eventId: string,
  ): Promise<{ seq: bigint; stats: StatsRow | undefined }> {
    const { rows } = await sql<StatsRow & { cursor_seq: string }>`
      SELECT s.*, c.seq AS cursor_seq
      FROM analytics_live_cursor c
      LEFT JOIN analytics_event_stats s ON s.event_id = ${eventId}
      WHERE c.id = 1`.execute(db);
    const row = rows[0];
    if (!row) throw new Error('analytics_live_cursor has no row');
    const { cursor_seq, ...stats } = row;
    return { seq: BigInt(cursor_seq), stats: stats.event_id ? stats : undefined };
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
    let query = db
      .selectFrom('analytics_event_stats')
      .selectAll()
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

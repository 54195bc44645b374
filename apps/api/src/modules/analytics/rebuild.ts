import type { EventDetail } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { PubSubPort } from '@evently/platform';
import type { Kysely } from 'kysely';
import type { RequestLog } from '../../kernel/log.js';
import { ANALYTICS_CONSUMER, publishLive } from './analytics.consumer.js';
import { toEventStats } from './analytics.mappers.js';
import { lockForRebuild, unlockAfterRebuild } from './analytics-lock.js';
import { detailsOf } from './detail.queries.js';
import { toEventDetail } from './event-detail.js';
import type { LiveMessage } from './live-message.js';
import { rebuildRepository as repo } from './rebuild.repository.js';

export interface RebuildResult {
  events: number;
  seriesRows: number;
  /** Events whose figures the rebuild changed (each announced on the live stream). */
  changed: number;
  /** Undelivered events whose effect the rebuild counted; the consumer will skip them. */
  covered: number;
}

/**
 * Recomputes every analytics read model from the source tables, while the projection may be
 * running. The exclusive advisory lock waits for projection transactions in flight and holds
 * new ones back; the repeatable-read snapshot that follows sees the source tables and the outbox
 * at one instant, so each event is counted exactly once: by the rebuild (and marked covered) or
 * by the consumer afterwards. Changed figures go out on the live stream.
 */
export async function rebuildAnalytics(deps: {
  db: Kysely<Database>;
  pubsub: PubSubPort;
  log: RequestLog;
  now: () => Date;
}): Promise<RebuildResult> {
  const started = Date.now();
  const { result, updates } = await deps.db.connection().execute(async (conn) => {
    await lockForRebuild(conn);
    try {
      return await conn
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (trx) => {
          const now = deps.now();
          await repo.clear(trx);
          const events = await repo.insertStats(trx, now);
          await repo.insertLineStats(trx);
          await repo.insertWaitlistEntries(trx);
          await repo.insertCheckinStats(trx);
          const seriesRows = await repo.insertSeries(trx);
          const covered = await repo.coverUnprocessed(trx, ANALYTICS_CONSUMER);
          const { rows: changed, vouchers } = await repo.changedStats(trx);
          // Each with the whole detail (check-in lists too: only older logged ones lack them).
          const updates: Array<LiveMessage & { detail?: EventDetail }> = [];
          if (changed.length > 0) {
            const first = await repo.reserveLiveSeqs(trx, changed.length);
            const stamps = changed.map((row, i) => ({
              eventId: row.event_id,
              seq: first + BigInt(i),
            }));
            await repo.stampLiveSeqs(trx, stamps, now);
            // Every type and quota, and the vouchers whose figures the rebuild changed.
            const details = await detailsOf(
              trx,
              changed.map((row) => row.event_id),
              vouchers,
            );
            for (const [i, row] of changed.entries()) {
              const seq = (first + BigInt(i)).toString();
              const stats = toEventStats({ ...row, live_seq: seq, updated_at: now });
              const source = details.get(row.event_id);
              updates.push({
                seq,
                eventId: row.event_id,
                organizationId: row.organization_id,
                stats,
                ...(source && { detail: toEventDetail(source) }),
              });
            }
            await repo.insertLiveUpdates(trx, updates);
          }
          return {
            result: { events, seriesRows, changed: changed.length, covered },
            updates,
          };
        });
    } finally {
      await unlockAfterRebuild(conn);
    }
  });
  await publishLive(deps.pubsub, updates, deps.log);
  deps.log.info(
    { ...result, ms: Date.now() - started },
    'analytics rebuilt from the source tables',
  );
  return result;
}

import type { Database } from '@evently/db';
import { type Kysely, sql, type Transaction } from 'kysely';

/**
 * The projection and a rebuild exclude each other through one Postgres advisory lock: every
 * projection transaction holds it shared, a rebuild holds it exclusively. A rebuild therefore
 * starts from a snapshot in which no projection transaction is half done.
 */
const ANALYTICS_LOCK = 0x616e_616c; // 'anal'

/** Shared, for one projection transaction (released at its end). */
export async function lockProjectionShared(trx: Transaction<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock_shared(${ANALYTICS_LOCK}::bigint)`.execute(trx);
}

/** Exclusive, for a rebuild, on one connection; taken before its transaction starts. */
export async function lockForRebuild(conn: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_lock(${ANALYTICS_LOCK}::bigint)`.execute(conn);
}

export async function unlockAfterRebuild(conn: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_unlock(${ANALYTICS_LOCK}::bigint)`.execute(conn);
}

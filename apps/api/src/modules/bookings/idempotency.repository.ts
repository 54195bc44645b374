import { createHash } from 'node:crypto';
import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** The same key with other parameters is refused: the hash is of the parameters. */
export function requestHash(params: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(params)).digest('hex');
}

export interface StoredKey {
  key: string;
  request_hash: string;
  /** The id of what the first request created. */
  resultId: string | null;
}

export interface KeyRef {
  userId: string;
  key: string;
}

export const idempotencyRepository = {
  /** The live keys among `refs`, by `${userId}:${key}`; one query for a whole batch. */
  async findLive(
    db: Db,
    scope: string,
    refs: KeyRef[],
    now: Date,
  ): Promise<Map<string, StoredKey>> {
    if (refs.length === 0) return new Map();
    const rows = await db
      .selectFrom('idempotency_keys')
      .select(['user_id', 'key', 'request_hash', 'response'])
      .where('scope', '=', scope)
      .where((eb) =>
        eb(
          eb.refTuple('user_id', 'key'),
          'in',
          refs.map((r) => eb.tuple(r.userId, r.key)),
        ),
      )
      .where('expires_at', '>', now)
      .execute();
    return new Map(
      rows.map((r) => [
        `${r.user_id}:${r.key}`,
        {
          key: r.key,
          request_hash: r.request_hash,
          resultId: (r.response?.id as string | undefined) ?? null,
        },
      ]),
    );
  },

  /** Records keys; returns how many were new (fewer means another transaction got there first). */
  async insert(
    trx: Transaction<Database>,
    rows: { userId: string; scope: string; key: string; requestHash: string; resultId: string }[],
    now: Date,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    // An expired key may be reused: drop those first.
    await trx
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          eb.refTuple('user_id', 'scope', 'key'),
          'in',
          rows.map((r) => eb.tuple(r.userId, r.scope, r.key)),
        ),
      )
      .where('expires_at', '<=', now)
      .execute();
    const inserted = await trx
      .insertInto('idempotency_keys')
      .values(
        rows.map((r) => ({
          user_id: r.userId,
          scope: r.scope,
          key: r.key,
          request_hash: r.requestHash,
          response: JSON.stringify({ id: r.resultId }),
          expires_at: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
        })),
      )
      .onConflict((oc) => oc.columns(['user_id', 'scope', 'key']).doNothing())
      .returning('key')
      .execute();
    return inserted.length;
  },
};

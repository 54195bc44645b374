import type { Database } from '@evently/db';
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export type ApiKeyRow = Selectable<Database['api_keys']>;
export type NewApiKeyRow = Insertable<Database['api_keys']>;

/** Every SQL statement on `api_keys`. */
export const apiKeysRepository = {
  async insert(trx: Db, row: NewApiKeyRow): Promise<ApiKeyRow> {
    return trx.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
  },

  find(db: Db, id: string): Promise<ApiKeyRow | undefined> {
    return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** What a request's bearer is resolved by (the unique index on the hash). */
  findBySecretHash(db: Db, secretHash: Uint8Array): Promise<ApiKeyRow | undefined> {
    return db
      .selectFrom('api_keys')
      .selectAll()
      .where('secret_hash', '=', Buffer.from(secretHash))
      .executeTakeFirst();
  },

  ofOrganization(db: Db, organizationId: string): Promise<ApiKeyRow[]> {
    return db
      .selectFrom('api_keys')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  },

  /** Revokes a live key; undefined when it was revoked already (nothing changes twice). */
  revoke(trx: Db, id: string, at: Date): Promise<ApiKeyRow | undefined> {
    return trx
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  /** Records a use, unless one was recorded within `since` (every instance writes at most that often). */
  async touch(db: Db, id: string, at: Date, since: Date): Promise<void> {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', since)]))
      .execute();
  },
};

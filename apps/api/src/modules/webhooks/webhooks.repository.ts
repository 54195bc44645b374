import type { Database } from '@evently/db';
import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;
export type WebhookRow = Selectable<Database['webhooks']>;
export type NewWebhookRow = Insertable<Database['webhooks']>;
export type WebhookPatch = Updateable<Database['webhooks']>;

/** Every SQL statement on `webhooks`. */
export const webhooksRepository = {
  async insert(trx: Db, row: NewWebhookRow): Promise<WebhookRow> {
    return trx.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();
  },

  find(db: Db, id: string): Promise<WebhookRow | undefined> {
    return db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Locked for a change (a rotation, a disable): no two changes of a webhook interleave. */
  findForUpdate(trx: Transaction<Database>, id: string): Promise<WebhookRow | undefined> {
    return trx
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  ofOrganization(db: Db, organizationId: string): Promise<WebhookRow[]> {
    return db
      .selectFrom('webhooks')
      .selectAll()
      .where('organization_id', '=', organizationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  },

  update(trx: Db, id: string, patch: WebhookPatch): Promise<WebhookRow | undefined> {
    return trx
      .updateTable('webhooks')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  delete(trx: Db, id: string): Promise<WebhookRow | undefined> {
    return trx.deleteFrom('webhooks').where('id', '=', id).returningAll().executeTakeFirst();
  },

  /** Whether any active webhook hears of one of `topics` (most batches end here: none does). */
  async anyListening(trx: Db, topics: readonly string[]): Promise<boolean> {
    if (topics.length === 0) return false;
    const row = await trx
      .selectFrom('webhooks')
      .select('id')
      .where('status', '=', 'active')
      .where((eb) => eb('topics', '&&', eb.val([...topics])))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  /** The active webhooks of an organization that hear of `topic` (the consumer's question). */
  listeners(trx: Db, organizationId: string, topic: string): Promise<Array<{ id: string }>> {
    return trx
      .selectFrom('webhooks')
      .select('id')
      .where('organization_id', '=', organizationId)
      .where('status', '=', 'active')
      .where((eb) => eb(eb.val(topic), '=', eb.fn.any('topics')))
      .execute();
  },
};

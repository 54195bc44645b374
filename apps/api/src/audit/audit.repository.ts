import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';

export interface AuditEntryInput {
  entity: string;
  entityId: string;
  action: string;
  actorId: string | null;
  before?: object | null;
  after?: object | null;
}

/** Appends an audit entry in the caller's transaction: it exists iff the change committed. */
export async function appendAudit(
  trx: Transaction<Database>,
  entry: AuditEntryInput,
): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      id: randomUUID(),
      entity: entry.entity,
      entity_id: entry.entityId,
      action: entry.action,
      actor_id: entry.actorId,
      before: entry.before ? JSON.stringify(entry.before) : null,
      after: entry.after ? JSON.stringify(entry.after) : null,
    })
    .execute();
}

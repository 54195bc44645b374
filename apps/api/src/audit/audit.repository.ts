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
  await appendAudits(trx, [entry]);
}

/** Many entries in one statement (a booking batch). */
export async function appendAudits(
  trx: Transaction<Database>,
  entries: AuditEntryInput[],
): Promise<void> {
  if (entries.length === 0) return;
  await trx
    .insertInto('audit_log')
    .values(
      entries.map((entry) => ({
        id: randomUUID(),
        entity: entry.entity,
        entity_id: entry.entityId,
        action: entry.action,
        actor_id: entry.actorId,
        before: entry.before ? JSON.stringify(entry.before) : null,
        after: entry.after ? JSON.stringify(entry.after) : null,
      })),
    )
    .execute();
}

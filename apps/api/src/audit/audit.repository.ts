import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';

export interface AuditEntryInput {
  entity: string;
  entityId: string;
  action: string;
  actorId: string | null;
  /** The API key the change was made with (`actorOf(principal)` fills both). */
  actorApiKeyId?: string | null;
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

export interface AuditRow {
  id: string;
  entity: string;
  entity_id: string;
  action: string;
  actor_id: string | null;
  actor_api_key_id: string | null;
  /** Serialised by the writer. */
  before: object | null;
  after: object | null;
}

/** The rows `appendAudits` writes, for writers that insert them inside a statement of their own. */
export function toAuditRows(entries: AuditEntryInput[]): AuditRow[] {
  return entries.map((entry) => ({
    id: randomUUID(),
    entity: entry.entity,
    entity_id: entry.entityId,
    action: entry.action,
    actor_id: entry.actorId,
    actor_api_key_id: entry.actorApiKeyId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
  }));
}

/** Many entries in one statement. */
export async function appendAudits(
  trx: Transaction<Database>,
  entries: AuditEntryInput[],
): Promise<void> {
  if (entries.length === 0) return;
  const rows = toAuditRows(entries).map((row) => ({
    ...row,
    before: row.before && JSON.stringify(row.before),
    after: row.after && JSON.stringify(row.after),
  }));
  await trx.insertInto('audit_log').values(rows).execute();
}

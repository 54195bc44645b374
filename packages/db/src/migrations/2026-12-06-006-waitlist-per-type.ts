import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * The waitlist is per ticket type: an entry waits for seats of one type, and is offered them
 * when that type's quotas have room. Existing entries wait for their event's first type (the
 * 'General admission' type every Part 1 event was given).
 */
export async function up(db: AnyDb): Promise<void> {
  // No entry is written between the backfill's snapshot and the commit (none left without a type).
  await sql`LOCK TABLE waitlist_entries IN SHARE ROW EXCLUSIVE MODE`.execute(db);
  await db.schema
    .alterTable('waitlist_entries')
    .addColumn('ticket_type_id', 'uuid', (c) => c.references('ticket_types.id').onDelete('cascade'))
    .execute();
  await sql`
    UPDATE waitlist_entries w SET ticket_type_id = (
      SELECT t.id FROM ticket_types t WHERE t.event_id = w.event_id
      ORDER BY t.position, t.created_at, t.id LIMIT 1)`.execute(db);
  await sql`ALTER TABLE waitlist_entries ALTER COLUMN ticket_type_id SET NOT NULL`.execute(db);
  // A type's line, and the heads of an event's lines (the allocator reads one per type).
  await sql`CREATE INDEX waitlist_type_queue_idx ON waitlist_entries (ticket_type_id, join_seq)
    WHERE status = 'waiting'`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('waitlist_type_queue_idx').execute();
  await db.schema.alterTable('waitlist_entries').dropColumn('ticket_type_id').execute();
}

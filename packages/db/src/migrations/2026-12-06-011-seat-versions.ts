import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Seat changes carry the event's inventory version they committed at: an allocation's last change
 * (made, confirmed, released) and a seat's last block or unblock. Every change of an event's seats
 * moves that version under the inventory row's lock, so those versions order the changes
 * exactly: the allocator, knowing the seats as of version V, reads only what changed since (not
 * the whole hall) when another process sold some, and `seating.live` resumes from a version.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE seat_allocations ADD COLUMN version integer NOT NULL DEFAULT 0`.execute(db);
  await sql`CREATE INDEX seat_allocations_version_idx ON seat_allocations (event_id, version)`.execute(
    db,
  );
  await sql`ALTER TABLE seats ADD COLUMN state_version integer NOT NULL DEFAULT 0`.execute(db);
  await sql`CREATE INDEX seats_state_version_idx ON seats (event_id, state_version)`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`DROP INDEX seats_state_version_idx`.execute(db);
  await sql`ALTER TABLE seats DROP COLUMN state_version`.execute(db);
  await sql`DROP INDEX seat_allocations_version_idx`.execute(db);
  await sql`ALTER TABLE seat_allocations DROP COLUMN version`.execute(db);
}

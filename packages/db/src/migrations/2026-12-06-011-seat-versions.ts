import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Each seat allocation records the event's inventory version its allocation and its release
 * committed at. Every change of an event's seats moves that version under the inventory row's
 * lock, so those versions order the changes exactly: an allocator that knows the seats as of
 * version V reads only the allocations made or released since, not the whole hall, when another
 * process has sold some (docs/architecture.md, "Seats in the allocator").
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`ALTER TABLE seat_allocations
    ADD COLUMN allocated_version integer NOT NULL DEFAULT 0,
    ADD COLUMN released_version integer,
    ADD CONSTRAINT seat_allocations_released_version
      CHECK (released_version IS NULL OR released_at IS NOT NULL)`.execute(db);
  await sql`CREATE INDEX seat_allocations_allocated_version_idx
    ON seat_allocations (event_id, allocated_version)`.execute(db);
  await sql`CREATE INDEX seat_allocations_released_version_idx
    ON seat_allocations (event_id, released_version) WHERE released_version IS NOT NULL`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await sql`DROP INDEX seat_allocations_released_version_idx`.execute(db);
  await sql`DROP INDEX seat_allocations_allocated_version_idx`.execute(db);
  await sql`ALTER TABLE seat_allocations DROP CONSTRAINT seat_allocations_released_version,
    DROP COLUMN released_version, DROP COLUMN allocated_version`.execute(db);
}

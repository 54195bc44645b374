import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/** The advisory lock every analytics projection transaction holds shared ('anal'). */
const ANALYTICS_LOCK = 0x616e_616c;

/**
 * Check-in in analytics (API.md Part 2, "tickets and check-in"): per check-in list, the tickets
 * that came in at least once (`entered`) and those in now (`inside`: entries less exits), folded
 * from `ticket.checked_in` like the other figures. A ticket's first entry on a list is marked
 * (`analytics_checkin_tickets`, as analytics_waitlist_entries marks an entry's first move), so a
 * re-entry counts it once, whatever order its events come in.
 *
 * On a database with history both are filled from `checkins` as the projection will have seen
 * them (as in 2026-12-06-007): the check-ins still waiting for the `analytics` consumer
 * (undelivered, unclaimed, not covered by a rebuild) are taken off again, since the consumer adds
 * them when they arrive; one delivered while no analytics consumer listened never comes: counted
 * here. The live log is left as it is: a stream shows an event's lists from its next update.
 */
export async function up(db: AnyDb): Promise<void> {
  // No projection transaction is half done while the tables are filled, and none starts before
  // this commits, so what the consumer has processed stays put.
  await sql`SELECT pg_advisory_xact_lock(${ANALYTICS_LOCK}::bigint)`.execute(db);
  await sql`
    CREATE TABLE analytics_checkin_stats (
      event_id uuid NOT NULL,
      list_id uuid NOT NULL,
      entered integer NOT NULL DEFAULT 0,
      inside integer NOT NULL DEFAULT 0,
      PRIMARY KEY (event_id, list_id)
    )`.execute(db);
  await sql`
    CREATE TABLE analytics_checkin_tickets (
      list_id uuid NOT NULL,
      ticket_id uuid NOT NULL,
      PRIMARY KEY (list_id, ticket_id)
    )`.execute(db);

  const unprocessed = sql`
    SELECT (o.payload->>'listId')::uuid AS list_id, (o.payload->>'ticketId')::uuid AS ticket_id,
      o.payload->>'direction' AS direction
    FROM outbox o
    WHERE o.delivered_at IS NULL AND o.topic = 'ticket.checked_in'
      AND NOT EXISTS (SELECT 1 FROM processed_events p
        WHERE p.consumer = 'analytics' AND p.event_id = o.id)
      AND NOT EXISTS (SELECT 1 FROM analytics_rebuild_covered c WHERE c.event_id = o.id)`;
  // Each ticket's entries and exits on each list, less those the consumer has yet to add.
  const seen = sql`
    SELECT list_id, ticket_id, sum(entries) AS entries, sum(exits) AS exits FROM (
      SELECT list_id, ticket_id, (direction = 'entry')::int AS entries,
        (direction = 'exit')::int AS exits
      FROM checkins
      UNION ALL
      SELECT list_id, ticket_id, -(direction = 'entry')::int, -(direction = 'exit')::int
      FROM (${unprocessed}) u
    ) x
    GROUP BY list_id, ticket_id`;
  await sql`
    INSERT INTO analytics_checkin_tickets (list_id, ticket_id)
    SELECT list_id, ticket_id FROM (${seen}) s WHERE entries > 0`.execute(db);
  await sql`
    INSERT INTO analytics_checkin_stats (event_id, list_id, entered, inside)
    SELECT l.event_id, s.list_id, count(*) FILTER (WHERE s.entries > 0),
      sum(s.entries - s.exits)
    FROM (${seen}) s JOIN checkin_lists l ON l.id = s.list_id
    GROUP BY l.event_id, s.list_id`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('analytics_checkin_tickets').execute();
  await db.schema.dropTable('analytics_checkin_stats').execute();
}

import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Webhooks (API.md Part 2, "integrations"): an organization's subscriptions; the deliveries the
 * `webhooks` outbox consumer records, one per webhook and domain event (`webhook_deliveries_event`:
 * a redelivered event records nothing twice), each sent in its event's outbox order (`seq`) by
 * the delivery worker; and every attempt at sending one. (016 was never used.)
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    CREATE TABLE webhooks (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
      url text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
      topics text[] NOT NULL CHECK (cardinality(topics) >= 1),
      description text CHECK (char_length(description) <= 500),
      -- Readable, not hashed: the worker signs with it.
      secret text NOT NULL,
      previous_secret text,
      previous_secret_until timestamptz,
      status text NOT NULL CHECK (status IN ('active', 'disabled')),
      failing_since timestamptz,
      disabled_at timestamptz,
      created_by uuid,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX webhooks_organization_idx ON webhooks (organization_id, created_at)`.execute(
    db,
  );
  await sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      event_id uuid NOT NULL,
      seq bigint NOT NULL,
      topic text NOT NULL,
      body text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      next_attempt_at timestamptz NOT NULL,
      retry_until timestamptz NOT NULL,
      last_attempt_at timestamptz,
      last_status_code integer,
      last_error text,
      last_duration_ms integer,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz,
      CONSTRAINT webhook_deliveries_event UNIQUE (webhook_id, event_id)
    )`.execute(db);
  // A webhook's queue: its pending deliveries in outbox order (the head is the first).
  await sql`CREATE INDEX webhook_deliveries_queue_idx ON webhook_deliveries (webhook_id, seq)
    WHERE status = 'pending'`.execute(db);
  // Its delivery log, newest first.
  await sql`CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, seq DESC)`.execute(
    db,
  );
  // Retention: finished deliveries, oldest first.
  await sql`CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (created_at)
    WHERE status <> 'pending'`.execute(db);
  await sql`
    CREATE TABLE webhook_attempts (
      delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
      attempt integer NOT NULL CHECK (attempt >= 1),
      at timestamptz NOT NULL,
      status_code integer,
      error text,
      duration_ms integer NOT NULL CHECK (duration_ms >= 0),
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (delivery_id, attempt)
    )`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhooks').execute();
}

import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * Payments and refunds (API.md Part 2): the money each booking received and gave back, the
 * Stripe events already handled, and each event's cancellation policy. The database keeps the
 * money straight even if the code does not: a payment is positive, its refunds never give back
 * more than it brought (`refunded_cents`), and a PaymentIntent is one payment however many of
 * Stripe's events report it.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('events').addColumn('cancellation_policy', 'jsonb').execute();
  await sql`
    CREATE TABLE payments (
      id uuid PRIMARY KEY,
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      user_id uuid NOT NULL,
      provider text NOT NULL CHECK (provider IN ('manual', 'stripe')),
      method text NOT NULL CHECK (method IN ('cash', 'transfer', 'card', 'other')),
      amount_cents int8 NOT NULL CHECK (amount_cents > 0),
      refunded_cents int8 NOT NULL DEFAULT 0
        CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
      currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
      reference text NOT NULL,
      recorded_by uuid REFERENCES users (id) ON DELETE SET NULL,
      at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX payments_booking_idx ON payments (booking_id)`.execute(db);
  await sql`CREATE INDEX payments_event_idx ON payments (event_id)`.execute(db);
  await sql`CREATE UNIQUE INDEX payments_stripe_intent_idx ON payments (reference)
    WHERE provider = 'stripe'`.execute(db);
  await sql`
    CREATE TABLE refunds (
      id uuid PRIMARY KEY,
      booking_id uuid NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
      payment_id uuid NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
      event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      provider text NOT NULL CHECK (provider IN ('manual', 'stripe')),
      amount_cents int8 NOT NULL CHECK (amount_cents > 0),
      currency text NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      reason text NOT NULL,
      reference text,
      requested_at timestamptz NOT NULL,
      completed_at timestamptz,
      last_error text,
      CHECK ((status = 'pending') = (completed_at IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX refunds_event_idx ON refunds (event_id, requested_at DESC, id DESC)`.execute(
    db,
  );
  await sql`CREATE INDEX refunds_booking_idx ON refunds (booking_id)`.execute(db);
  // The worker's pass over Stripe refunds not issued yet.
  await sql`CREATE INDEX refunds_stripe_pending_idx ON refunds (requested_at)
    WHERE status = 'pending' AND provider = 'stripe'`.execute(db);
  await sql`
    CREATE TABLE stripe_events (
      id text PRIMARY KEY,
      type text NOT NULL,
      received_at timestamptz NOT NULL,
      outcome text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX stripe_events_received_idx ON stripe_events (received_at)`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('stripe_events').execute();
  await db.schema.dropTable('refunds').execute();
  await db.schema.dropTable('payments').execute();
  await db.schema.alterTable('events').dropColumn('cancellation_policy').execute();
}

import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

const NAME_CHECK = sql`char_length(name) BETWEEN 1 AND 120`;

/**
 * Inventory v2: events sell typed tickets (a booking is items of ticket types, each with the
 * price it was booked at). Quotas cap groups of types and vouchers unlock types, discounts and
 * reserved seats; both carry CHECKs so that Postgres refuses an oversold quota or an
 * over-redeemed voucher whatever the locks above it do. The existing `event_inventory` row of a
 * published event stays the event-wide quota, unchanged.
 *
 * Every existing event gets one 'General admission' type at its price and per-booking maximum,
 * and every existing booking one item of it.
 */
export async function up(db: AnyDb): Promise<void> {
  // The lock the foreign keys below take on these tables anyway, taken up front: no event or
  // booking is written between the backfill's snapshot and the commit, so none is left without
  // its type or item.
  await sql`LOCK TABLE events, bookings IN SHARE ROW EXCLUSIVE MODE`.execute(db);

  await db.schema
    .createTable('ticket_types')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().check(NAME_CHECK))
    .addColumn('description', 'text', (c) =>
      c.notNull().defaultTo('').check(sql`char_length(description) <= 2000`),
    )
    .addColumn('price_cents', 'bigint', (c) => c.notNull().check(sql`price_cents >= 0`))
    .addColumn('min_per_booking', 'integer', (c) =>
      c.notNull().defaultTo(1).check(sql`min_per_booking >= 1`),
    )
    .addColumn('max_per_booking', 'integer', (c) => c.notNull().defaultTo(10))
    // Null: the event's own sales window.
    .addColumn('sales_start_at', 'timestamptz')
    .addColumn('sales_end_at', 'timestamptz')
    .addColumn('hidden', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status IN ('active', 'archived')`),
    )
    // Display order within the event.
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('ticket_types_per_booking', sql`max_per_booking >= min_per_booking`)
    .addCheckConstraint(
      'ticket_types_sales_window',
      sql`sales_start_at IS NULL OR sales_end_at IS NULL OR sales_start_at < sales_end_at`,
    )
    .execute();
  await db.schema
    .createIndex('ticket_types_event_position_idx')
    .on('ticket_types')
    .columns(['event_id', 'position'])
    .execute();

  await db.schema
    .createTable('quotas')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull().check(NAME_CHECK))
    .addColumn('size', 'integer', (c) => c.notNull().check(sql`size >= 0`))
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('held', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('quotas_counts', sql`confirmed >= 0 AND held >= 0`)
    // An oversold quota is impossible, like an oversold event (event_inventory_capacity).
    .addCheckConstraint('quotas_size', sql`confirmed + held <= size`)
    .execute();
  await db.schema.createIndex('quotas_event_idx').on('quotas').column('event_id').execute();

  await db.schema
    .createTable('quota_ticket_types')
    .addColumn('quota_id', 'uuid', (c) => c.notNull().references('quotas.id').onDelete('cascade'))
    .addColumn('ticket_type_id', 'uuid', (c) =>
      c.notNull().references('ticket_types.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('quota_ticket_types_pkey', ['quota_id', 'ticket_type_id'])
    .execute();
  // A booking of a type finds every quota it counts against.
  await db.schema
    .createIndex('quota_ticket_types_ticket_type_idx')
    .on('quota_ticket_types')
    .column('ticket_type_id')
    .execute();

  await db.schema
    .createTable('vouchers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('event_id', 'uuid', (c) => c.notNull().references('events.id').onDelete('cascade'))
    // Codes are case-insensitive: stored lower-cased.
    .addColumn('code', 'text', (c) =>
      c.notNull().check(sql`code = lower(code) AND code ~ '^[a-z0-9][a-z0-9_-]{2,63}$'`),
    )
    .addColumn('max_uses', 'integer', (c) => c.notNull().defaultTo(1).check(sql`max_uses >= 1`))
    .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('valid_from', 'timestamptz')
    .addColumn('valid_until', 'timestamptz')
    .addColumn('effect_kind', 'text', (c) =>
      c.notNull().check(sql`effect_kind IN ('percent', 'amount', 'price', 'none')`),
    )
    .addColumn('effect_value', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('unlocks_hidden', 'boolean', (c) => c.notNull().defaultTo(false))
    // Seats held back from public sale for its holders until valid_until.
    .addColumn('reserved', 'integer', (c) => c.notNull().defaultTo(0).check(sql`reserved >= 0`))
    // Seats in live bookings made with it (what of `reserved` is taken).
    .addColumn('seats', 'integer', (c) => c.notNull().defaultTo(0).check(sql`seats >= 0`))
    .addColumn('disabled_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // An over-redeemed voucher is impossible.
    .addCheckConstraint('vouchers_uses', sql`used >= 0 AND used <= max_uses`)
    .addCheckConstraint(
      'vouchers_validity',
      sql`valid_from IS NULL OR valid_until IS NULL OR valid_from < valid_until`,
    )
    .addCheckConstraint(
      'vouchers_effect',
      sql`(effect_kind = 'percent' AND effect_value BETWEEN 1 AND 100)
        OR (effect_kind IN ('amount', 'price') AND effect_value >= 0)
        OR (effect_kind = 'none' AND effect_value = 0)`,
    )
    // Postgres' default name for UNIQUE (event_id, code); it also serves reads by event.
    .addUniqueConstraint('vouchers_event_id_code_key', ['event_id', 'code'])
    .execute();

  // A voucher with no rows here applies to every type of its event.
  await db.schema
    .createTable('voucher_ticket_types')
    .addColumn('voucher_id', 'uuid', (c) =>
      c.notNull().references('vouchers.id').onDelete('cascade'),
    )
    .addColumn('ticket_type_id', 'uuid', (c) =>
      c.notNull().references('ticket_types.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('voucher_ticket_types_pkey', ['voucher_id', 'ticket_type_id'])
    .execute();
  // For the cascade from ticket_types (which an event's deletion runs for each of its types).
  await db.schema
    .createIndex('voucher_ticket_types_ticket_type_idx')
    .on('voucher_ticket_types')
    .column('ticket_type_id')
    .execute();

  await db.schema
    .createTable('booking_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('booking_id', 'uuid', (c) =>
      c.notNull().references('bookings.id').onDelete('cascade'),
    )
    // NO ACTION, not RESTRICT: an event's deletion cascades to its types and (through its
    // bookings) to their items in one statement, and NO ACTION is checked at its end.
    .addColumn('ticket_type_id', 'uuid', (c) => c.notNull().references('ticket_types.id'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('quantity', 'integer', (c) => c.notNull().check(sql`quantity >= 1`))
    // The type's price when booked.
    .addColumn('unit_price_cents', 'bigint', (c) => c.notNull().check(sql`unit_price_cents >= 0`))
    .addColumn('discount_cents', 'bigint', (c) =>
      c.notNull().defaultTo(0).check(sql`discount_cents >= 0`),
    )
    .addColumn('total_cents', 'bigint', (c) => c.notNull())
    .addCheckConstraint(
      'booking_items_total',
      sql`total_cents = unit_price_cents * quantity - discount_cents AND total_cents >= 0`,
    )
    .execute();
  await db.schema
    .createIndex('booking_items_booking_idx')
    .on('booking_items')
    .columns(['booking_id', 'position'])
    .execute();
  await db.schema
    .createIndex('booking_items_ticket_type_idx')
    .on('booking_items')
    .column('ticket_type_id')
    .execute();

  await db.schema
    .createTable('voucher_redemptions')
    // One voucher use per booking.
    .addColumn('booking_id', 'uuid', (c) =>
      c.primaryKey().references('bookings.id').onDelete('cascade'),
    )
    .addColumn('voucher_id', 'uuid', (c) =>
      c.notNull().references('vouchers.id').onDelete('cascade'),
    )
    .addColumn('seats', 'integer', (c) => c.notNull().check(sql`seats >= 1`))
    .addColumn('redeemed_at', 'timestamptz', (c) => c.notNull())
    // Set when the booking is cancelled or expires: its use is given back.
    .addColumn('released_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('voucher_redemptions_voucher_idx')
    .on('voucher_redemptions')
    .column('voucher_id')
    .execute();

  // No sales window of its own (the event's applies). events.max_per_booking has no CHECK of
  // its own (the API keeps it in 1..100): GREATEST keeps ticket_types_per_booking true anyway.
  await sql`
    INSERT INTO ticket_types (event_id, name, price_cents, min_per_booking, max_per_booking,
      position, created_at, updated_at)
    SELECT e.id, 'General admission', e.price_cents, 1, greatest(e.max_per_booking, 1), 0,
      e.created_at, e.created_at
    FROM events e`.execute(db);

  // bookings.unit_price_cents and total_cents have no CHECK, but every writer (the allocator's
  // decisions, the waitlist's offers) sets total = unit * quantity from the event's price
  // (>= 0), so an item is normally the booking's figures with no discount. For a row that
  // breaks this anyway the total (what was charged and what analytics counts as revenue) is
  // kept, a negative one taken as 0: the unit stays when it covers the total and the shortfall
  // becomes the discount; otherwise (a negative unit, or a total above unit * quantity) the unit
  // is the total per seat rounded up and the discount the rounding (< quantity cents).
  // ticket_types is empty before this migration: each event's only type is its General admission.
  await sql`
    INSERT INTO booking_items (booking_id, ticket_type_id, position, quantity, unit_price_cents,
      discount_cents, total_cents)
    SELECT b.id, t.id, 0, b.quantity, u.unit, u.unit * b.quantity - u.total, u.total
    FROM bookings b
    JOIN ticket_types t ON t.event_id = b.event_id
    CROSS JOIN LATERAL (SELECT greatest(b.total_cents, 0) AS total) k
    CROSS JOIN LATERAL (
      SELECT k.total,
        CASE WHEN b.unit_price_cents >= 0 AND b.unit_price_cents * b.quantity >= k.total
          THEN b.unit_price_cents
          ELSE (k.total + b.quantity - 1) / b.quantity
        END AS unit
    ) u`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('voucher_redemptions').execute();
  await db.schema.dropTable('booking_items').execute();
  await db.schema.dropTable('voucher_ticket_types').execute();
  await db.schema.dropTable('vouchers').execute();
  await db.schema.dropTable('quota_ticket_types').execute();
  await db.schema.dropTable('quotas').execute();
  await db.schema.dropTable('ticket_types').execute();
}

import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against no schema type on purpose (they must not change when the types do).
type AnyDb = Kysely<any>;

/**
 * The notifications module's outgoing mails: one row per (source, recipient, template), written
 * by the mail consumer and the reminder job, sent by the mail sender. The unique key is what
 * makes a mail go out once; the status is the send queue, its retries and its dead letters.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('sent_emails')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    // What caused it: an outbox event id, `event:<id>:cancelled`, `booking:<id>:reminder`.
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('recipient_id', 'uuid', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('to_email', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // Cleared once sent: a verification mail's body holds its code.
    .addColumn('body_text', 'text')
    .addColumn('body_html', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`status IN ('pending', 'sent', 'dead')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('dead_at', 'timestamptz')
    .addUniqueConstraint('sent_emails_once_key', ['source', 'recipient_id', 'template'])
    .execute();
  // The sender's work list and the dead-letter list stay small partial indexes.
  await sql`CREATE INDEX sent_emails_due_idx ON sent_emails (next_attempt_at) WHERE status = 'pending'`.execute(
    db,
  );
  await sql`CREATE INDEX sent_emails_dead_idx ON sent_emails (dead_at DESC, id DESC) WHERE status = 'dead'`.execute(
    db,
  );
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('sent_emails').execute();
}

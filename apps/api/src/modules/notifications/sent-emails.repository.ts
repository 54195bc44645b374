import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { OutgoingMail } from './outgoing-mail.js';

type Db = Kysely<Database> | Transaction<Database>;
export type SentEmailRow = Selectable<Database['sent_emails']>;

/** The channel the mail sender LISTENs on; NOTIFY inside a transaction fires at commit. */
export const MAIL_CHANNEL = 'evently_mail';

/**
 * A mail's Message-ID, fixed by its row: every try of the mail — a retry, or a send repeated
 * because a worker died between SMTP's "250 accepted" and its COMMIT — goes out under this one,
 * so a receiver (and our SMTP sink audit) can tell the copies are one mail.
 */
export function messageIdOf(mailId: string): string {
  return `<${mailId}@evently>`;
}

/** Rows per INSERT statement (a fan-out to thousands of attendees is split). */
const INSERT_CHUNK = 500;

/** What the sender needs of a claimed row. */
export type DueMail = Pick<
  SentEmailRow,
  'id' | 'to_email' | 'subject' | 'body_text' | 'body_html' | 'attempts' | 'template' | 'message_id'
>;

/** Every SQL statement on `sent_emails`. */
export const sentEmailsRepository = {
  /**
   * Queues mails in the caller's transaction. A mail whose (source, recipient, template) is
   * already there is skipped: that key is what makes each mail go out once, however often the
   * event that causes it is delivered. Its Message-ID is recorded here, committed long before
   * any send. Resolves how many were new.
   */
  async queue(trx: Db, mails: readonly OutgoingMail[]): Promise<number> {
    let queued = 0;
    for (let i = 0; i < mails.length; i += INSERT_CHUNK) {
      const rows = mails.slice(i, i + INSERT_CHUNK).map((m) => {
        const id = randomUUID();
        return {
          id,
          message_id: messageIdOf(id),
          source: m.source,
          recipient_id: m.recipientId,
          template: m.template,
          to_email: m.mail.to,
          subject: m.mail.subject,
          body_text: m.mail.text,
          body_html: m.mail.html,
        };
      });
      const inserted = await trx
        .insertInto('sent_emails')
        .values(rows)
        .onConflict((oc) => oc.columns(['source', 'recipient_id', 'template']).doNothing())
        .returning('id')
        .execute();
      queued += inserted.length;
    }
    if (queued > 0) await sql`SELECT pg_notify(${MAIL_CHANNEL}, '')`.execute(trx);
    return queued;
  },

  /**
   * The oldest due mail, row-locked for the rest of the transaction; `SKIP LOCKED` so several
   * senders share the list without waiting on each other.
   */
  claimDue(trx: Transaction<Database>): Promise<DueMail | undefined> {
    return trx
      .selectFrom('sent_emails')
      .select([
        'id',
        'to_email',
        'subject',
        'body_text',
        'body_html',
        'attempts',
        'template',
        'message_id',
      ])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .orderBy('next_attempt_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
  },

  /** Sent: the bodies are dropped (they may hold a one-time code), the record stays. */
  async markSent(trx: Transaction<Database>, id: string, messageId: string): Promise<void> {
    await trx
      .updateTable('sent_emails')
      .set((eb) => ({
        status: 'sent',
        attempts: eb('attempts', '+', 1),
        message_id: messageId,
        sent_at: sql<Date>`now()`,
        body_text: null,
        body_html: null,
      }))
      .where('id', '=', id)
      .execute();
  },

  /** A failed try with tries left: due again after `delayMs`. */
  async markRetry(
    trx: Transaction<Database>,
    id: string,
    error: string,
    delayMs: number,
  ): Promise<void> {
    await trx
      .updateTable('sent_emails')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: error,
        next_attempt_at: sql<Date>`now() + ${delayMs}::float8 * interval '1 millisecond'`,
      }))
      .where('id', '=', id)
      .execute();
  },

  /** The last try failed: a dead letter, until an admin replays it. */
  async markDead(trx: Transaction<Database>, id: string, error: string): Promise<void> {
    await trx
      .updateTable('sent_emails')
      .set((eb) => ({
        status: 'dead',
        attempts: eb('attempts', '+', 1),
        last_error: error,
        // Milliseconds, like a JS Date: the dead-letter list's keyset cursor carries it exactly.
        dead_at: sql<Date>`date_trunc('milliseconds', now())`,
      }))
      .where('id', '=', id)
      .execute();
  },

  /** Dead letters, newest first, after the keyset position `after`. */
  deadLetters(
    db: Db,
    page: { after?: { deadAt: string; id: string } | undefined; limit: number },
  ): Promise<SentEmailRow[]> {
    let q = db.selectFrom('sent_emails').selectAll().where('status', '=', 'dead');
    const after = page.after;
    if (after) {
      q = q.where((eb) =>
        eb.or([
          eb('dead_at', '<', new Date(after.deadAt)),
          eb.and([eb('dead_at', '=', new Date(after.deadAt)), eb('id', '<', after.id)]),
        ]),
      );
    }
    return q.orderBy('dead_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
  },

  /**
   * Dead letters back to the send queue, due now with a fresh set of tries (`ids`, or every
   * dead letter); resolves the ids replayed. Only dead ones: replaying a sent mail would send it
   * twice.
   */
  async replay(trx: Db, ids: readonly string[] | 'all'): Promise<string[]> {
    let q = trx
      .updateTable('sent_emails')
      .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, dead_at: null })
      .where('status', '=', 'dead');
    if (ids !== 'all') {
      if (ids.length === 0) return [];
      q = q.where('id', 'in', ids);
    }
    const rows = await q.returning('id').execute();
    if (rows.length > 0) await sql`SELECT pg_notify(${MAIL_CHANNEL}, '')`.execute(trx);
    return rows.map((row) => row.id);
  },

  /** How many mails are in each state (the mail metrics). */
  async countByStatus(db: Db): Promise<Record<SentEmailRow['status'], number>> {
    const rows = await db
      .selectFrom('sent_emails')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('status')
      .execute();
    const counts = { pending: 0, sent: 0, dead: 0 };
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  },
};

import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { type MailAttachment, mailAttachmentSchema } from '@evently/platform';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { z } from 'zod';
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
> & {
  /** Past its `expires_at` (by the database's clock): not worth sending any more. */
  expired: boolean;
  /** Its inline images, as queued (none for most mails); 'invalid' if the column is not. */
  attachments: MailAttachment[] | 'invalid';
};

/** A dead mail that expires keeps no body: a code mail's holds its code. */
const bodyUnlessPerishable = (column: 'body_text' | 'body_html' | 'attachments') =>
  sql<string | null>`CASE WHEN expires_at IS NULL THEN ${sql.ref(column)} END`;

/** The column as queued: JSON read back through the same schema the mailers check. */
const storedAttachments = z.array(mailAttachmentSchema).nullable();

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
          attachments: m.mail.attachments?.length ? JSON.stringify(m.mail.attachments) : null,
          expires_at: m.expiresAt ?? null,
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
   * Claims the oldest due mail for one try, in one statement committed at once (no transaction
   * is held while SMTP answers): its `attempts` grows by one — the claim's token, which the
   * outcome must match — and it is not due again for `leaseMs`. `SKIP LOCKED` lets several
   * senders share the list; a sender that dies leaves the mail to be claimed again when its
   * lease has run out.
   */
  async claimDue(db: Db, leaseMs: number): Promise<DueMail | undefined> {
    const row = await db
      .updateTable('sent_emails')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        next_attempt_at: sql<Date>`now() + ${leaseMs}::float8 * interval '1 millisecond'`,
      }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('sent_emails')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', sql<Date>`now()`)
          .orderBy('next_attempt_at')
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .returning([
        'id',
        'to_email',
        'subject',
        'body_text',
        'body_html',
        'attempts',
        'template',
        'message_id',
        'attachments',
        sql<boolean>`coalesce(expires_at <= now(), false)`.as('expired'),
      ])
      .executeTakeFirst();
    if (!row) return undefined;
    const attachments = storedAttachments.safeParse(row.attachments);
    return { ...row, attachments: attachments.success ? (attachments.data ?? []) : 'invalid' };
  },

  /**
   * Sent: the bodies are dropped (they may hold a one-time code), the record stays. Whoever
   * holds the claim by now: the mail went out. Resolves false if it was recorded already.
   */
  async markSent(db: Db, id: string, messageId: string): Promise<boolean> {
    const result = await db
      .updateTable('sent_emails')
      .set({
        status: 'sent',
        message_id: messageId,
        sent_at: sql<Date>`now()`,
        body_text: null,
        body_html: null,
        attachments: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  },

  /**
   * A failed try (the claim `attempts` made) with tries left: due again after `delayMs`. A
   * claim that lapsed and was taken again changes nothing.
   */
  async markRetry(
    db: Db,
    claim: { id: string; attempts: number },
    error: string,
    delayMs: number,
  ): Promise<void> {
    await db
      .updateTable('sent_emails')
      .set({
        last_error: error,
        next_attempt_at: sql<Date>`now() + ${delayMs}::float8 * interval '1 millisecond'`,
      })
      .where('id', '=', claim.id)
      .where('attempts', '=', claim.attempts)
      .where('status', '=', 'pending')
      .execute();
  },

  /**
   * The last try failed (or the mail expired): a dead letter, until an admin replays it — except
   * a mail that expires, whose bodies go now and which is never replayed.
   */
  async markDead(db: Db, claim: { id: string; attempts: number }, error: string): Promise<void> {
    await db
      .updateTable('sent_emails')
      .set({
        status: 'dead',
        last_error: error,
        body_text: bodyUnlessPerishable('body_text'),
        body_html: bodyUnlessPerishable('body_html'),
        attachments: bodyUnlessPerishable('attachments'),
        // Milliseconds, like a JS Date: the dead-letter list's keyset cursor carries it exactly.
        dead_at: sql<Date>`date_trunc('milliseconds', now())`,
      })
      .where('id', '=', claim.id)
      .where('attempts', '=', claim.attempts)
      .where('status', '=', 'pending')
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
   * twice. Never one that expires: its body is gone (a code mail's user asks for a new code).
   */
  async replay(trx: Db, ids: readonly string[] | 'all'): Promise<string[]> {
    let q = trx
      .updateTable('sent_emails')
      .set({ status: 'pending', attempts: 0, next_attempt_at: sql<Date>`now()`, dead_at: null })
      .where('status', '=', 'dead')
      .where('expires_at', 'is', null);
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

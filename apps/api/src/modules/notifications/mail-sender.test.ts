import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createSmtpMailer, type MailerPort } from '@evently/platform';
import { type SmtpSink, startSmtpSink } from '@evently/platform/testing';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailSender, type MailSender } from './mail-sender.js';
import { messageIdOf, sentEmailsRepository } from './sent-emails.repository.js';

// The sender's one crash window — SMTP accepted the mail, then our COMMIT failed — on a real
// database and a real SMTP server: the COMMIT is made to fail by a deferred constraint trigger.
describe('mail sender: a send whose COMMIT fails', () => {
  let test: TestDatabase;
  let sink: SmtpSink;
  let mailer: MailerPort;
  let sender: MailSender;

  beforeAll(async () => {
    test = await createTestDatabase('mail_sender');
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, from: 'Evently <no-reply@evently.test>' });
    sender = createMailSender({ db: test.handle, mailer, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await mailer?.close();
    await sink?.close();
    await test?.drop();
  });

  /** Until `restore()`, every transaction that marks a mail sent fails at its COMMIT. */
  async function failCommitsOfSentMails(): Promise<{ restore(): Promise<void> }> {
    await sql`CREATE FUNCTION test_commit_fails() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the database went away before COMMIT'; END $$`.execute(test.handle.db);
    await sql`CREATE CONSTRAINT TRIGGER test_commit_fails AFTER UPDATE ON sent_emails
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.status = 'sent')
      EXECUTE FUNCTION test_commit_fails()`.execute(test.handle.db);
    return {
      async restore() {
        await sql`DROP TRIGGER test_commit_fails ON sent_emails`.execute(test.handle.db);
        await sql`DROP FUNCTION test_commit_fails()`.execute(test.handle.db);
      },
    };
  }

  async function queueMails(count: number): Promise<string[]> {
    const source = randomUUID();
    await sentEmailsRepository.queue(
      test.handle.db,
      Array.from({ length: count }, (_, i) => ({
        source,
        recipientId: randomUUID(),
        template: 'booking-confirmed',
        mail: {
          to: `ada+${i}.${source.slice(0, 8)}@example.com`,
          subject: `Booking ${i} confirmed`,
          text: `Seat ${i}`,
          html: `<p>Seat ${i}</p>`,
        },
      })),
    );
    const rows = await test.handle.db
      .selectFrom('sent_emails')
      .select(['id', 'message_id', 'to_email'])
      .where('source', '=', source)
      .orderBy('to_email')
      .execute();
    return rows.map((row) => {
      // Recorded when queued, committed before any send.
      expect(row.message_id).toBe(messageIdOf(row.id));
      return row.id;
    });
  }

  it('sends the mail again under the same Message-ID, and records it sent once', async () => {
    const ids = await queueMails(2);
    const failing = await failCommitsOfSentMails();
    // One lane: SMTP accepts one mail, then the transaction that records it fails.
    const crashing = createMailSender({
      db: test.handle,
      mailer,
      log: pino({ level: 'silent' }),
      concurrency: 1,
    });
    await expect(crashing.sendDue()).rejects.toThrow(/went away before COMMIT/);
    const pending = await test.handle.db
      .selectFrom('sent_emails')
      .select(['status', 'attempts'])
      .where('id', 'in', ids)
      .execute();
    expect(pending).toEqual([
      { status: 'pending', attempts: 0 },
      { status: 'pending', attempts: 0 },
    ]);
    const ours = () =>
      sink.messages.filter((m) => ids.some((id) => m.messageId === messageIdOf(id)));
    expect(ours()).toHaveLength(1);
    const first = ours()[0];

    // The database is back: the next pass sends both mails, the first one for the second time.
    await failing.restore();
    expect(await sender.sendDue()).toBe(2);
    const rows = await test.handle.db
      .selectFrom('sent_emails')
      .select(['id', 'to_email', 'status', 'message_id'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.map((row) => [row.status, row.message_id])).toEqual(
      rows.map((row) => ['sent', messageIdOf(row.id)]),
    );
    for (const row of rows) {
      // Every copy that reached the server carries the row's one Message-ID.
      const copies = sink.messages.filter((m) => m.to.includes(row.to_email));
      expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([row.message_id]));
      expect(copies).toHaveLength(row.message_id === first?.messageId ? 2 : 1);
    }
    expect(ours()).toHaveLength(3);
  });
});

import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createSmtpMailer, type MailerPort } from '@evently/platform';
import { type SmtpSink, startSmtpSink } from '@evently/platform/testing';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailSender } from './mail-sender.js';
import { messageIdOf, sentEmailsRepository } from './sent-emails.repository.js';

// The sender on a real database and a real SMTP server: no transaction held while SMTP answers,
// and the two ways a send can lose its outcome — the database failing after SMTP accepted (made
// to fail by a deferred constraint trigger), and the sender dying there.
describe('mail sender: claims, leases and outcomes SMTP gave while the database failed', () => {
  let test: TestDatabase;
  let sink: SmtpSink;
  let mailer: MailerPort;
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    test = await createTestDatabase('mail_sender');
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, from: 'Evently <no-reply@evently.test>' });
  });
  afterAll(async () => {
    await mailer?.close();
    await sink?.close();
    await test?.drop();
  });

  /** Until `restore()`, every statement that marks a mail sent fails at its COMMIT. */
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

  const rowsOf = (ids: string[]) =>
    test.handle.db
      .selectFrom('sent_emails')
      .select(['id', 'to_email', 'status', 'attempts', 'message_id'])
      .where('id', 'in', ids)
      .orderBy('to_email')
      .execute();
  const copiesOf = (id: string) => sink.messages.filter((m) => m.messageId === messageIdOf(id));

  it('holds no transaction while SMTP answers; the committed claim keeps other senders off', async () => {
    const [id] = await queueMails(1);
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => {};
    const inSmtp = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slowMailer: MailerPort = {
      ...mailer,
      async send(mail) {
        entered();
        await released;
        return mailer.send(mail);
      },
    };
    const slow = createMailSender({ db: test.handle, mailer: slowMailer, log: silent });
    const pass = slow.sendDue();
    try {
      await inSmtp;
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%'`.execute(
        test.handle.db,
      );
      expect(rows[0]?.n).toBe(0);
      // Another sender meanwhile finds nothing due: the claim is its sender's lease.
      const other = createMailSender({ db: test.handle, mailer, log: silent });
      expect(await other.sendDue()).toBe(0);
    } finally {
      release();
    }
    expect(await pass).toBe(1);
    expect(await rowsOf([id ?? ''])).toMatchObject([{ status: 'sent', attempts: 1 }]);
    expect(copiesOf(id ?? '')).toHaveLength(1);
  });

  it('records an outcome the database did not take once it answers again, and sends nothing twice', async () => {
    const ids = await queueMails(2);
    const failing = await failCommitsOfSentMails();
    // One lane: SMTP accepts one mail, then recording it fails.
    const sender = createMailSender({ db: test.handle, mailer, log: silent, concurrency: 1 });
    try {
      await expect(sender.sendDue()).rejects.toThrow(/went away before COMMIT/);
      // Claimed (one try), not recorded; the next pass cannot record it either.
      expect((await rowsOf(ids)).map((r) => [r.status, r.attempts])).toEqual([
        ['pending', 1],
        ['pending', 0],
      ]);
      await expect(sender.sendDue()).rejects.toThrow(/went away before COMMIT/);
    } finally {
      await failing.restore();
    }
    expect(copiesOf(ids[0] ?? '')).toHaveLength(1);

    // The database takes writes again: the first mail is recorded sent, not sent again; the
    // second goes out.
    expect(await sender.sendDue()).toBe(1);
    const rows = await rowsOf(ids);
    expect(rows.map((r) => [r.status, r.attempts, r.message_id])).toEqual(
      rows.map((r) => ['sent', 1, messageIdOf(r.id)]),
    );
    for (const id of ids) expect(copiesOf(id)).toHaveLength(1);
  });

  it('once an outcome is not recorded, no lane takes another mail: the outcomes held in memory stay few', async () => {
    const ids = await queueMails(10);
    const [first, second] = ids as [string, string];
    // `first` is claimed first, and recording it fails (the failure counted by a sequence,
    // which a rollback does not undo); `second`, claimed by the other lane, waits in SMTP until
    // that failure happened.
    await test.handle.db
      .updateTable('sent_emails')
      .set({ next_attempt_at: sql<Date>`now() - interval '2 hours'` })
      .where('id', '=', first)
      .execute();
    await test.handle.db
      .updateTable('sent_emails')
      .set({ next_attempt_at: sql<Date>`now() - interval '1 hour'` })
      .where('id', '=', second)
      .execute();
    await sql`CREATE SEQUENCE test_record_failures`.execute(test.handle.db);
    await sql`CREATE FUNCTION test_record_fails() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM nextval('test_record_failures');
      RAISE EXCEPTION 'the database went away before COMMIT'; END $$`.execute(test.handle.db);
    await sql`CREATE CONSTRAINT TRIGGER test_record_fails AFTER UPDATE ON sent_emails
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
      WHEN (NEW.status = 'sent' AND NEW.id = ${sql.lit(first)}::uuid)
      EXECUTE FUNCTION test_record_fails()`.execute(test.handle.db);
    const failures = async () => {
      const { rows } = await sql<{ called: boolean }>`
        SELECT is_called AS called FROM test_record_failures`.execute(test.handle.db);
      return rows[0]?.called === true;
    };
    const gatedMailer: MailerPort = {
      ...mailer,
      async send(mail) {
        if (mail.messageId === messageIdOf(second)) {
          await expect.poll(failures, { timeout: 30_000, interval: 20 }).toBe(true);
        }
        return mailer.send(mail);
      },
    };
    const sender = createMailSender({ db: test.handle, mailer: gatedMailer, log: silent });
    try {
      await expect(sender.sendDue()).rejects.toThrow(/went away before COMMIT/);
    } finally {
      await sql`DROP TRIGGER test_record_fails ON sent_emails`.execute(test.handle.db);
      await sql`DROP FUNCTION test_record_fails()`.execute(test.handle.db);
      await sql`DROP SEQUENCE test_record_failures`.execute(test.handle.db);
    }
    // The pass ended with the two mails in flight: the rest were never claimed.
    expect(ids.map((id) => copiesOf(id).length)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect((await rowsOf(ids)).filter((r) => r.attempts > 0)).toHaveLength(2);

    // The next pass records the held outcome first, then sends the rest, each once.
    expect(await sender.sendDue()).toBe(8);
    for (const id of ids) expect(copiesOf(id)).toHaveLength(1);
    expect((await rowsOf(ids)).every((r) => r.status === 'sent')).toBe(true);
  });

  it('a sender that dies after SMTP accepted: the mail goes out again when its lease ends, under the same Message-ID', async () => {
    const [id] = await queueMails(1);
    const failing = await failCommitsOfSentMails();
    const dying = createMailSender({
      db: test.handle,
      mailer,
      log: silent,
      concurrency: 1,
      leaseMs: 1_000,
    });
    try {
      await expect(dying.sendDue()).rejects.toThrow(/went away before COMMIT/);
    } finally {
      await failing.restore();
    }
    // `dying` never runs again (as if SIGKILLed). Another sender takes the mail once the lease
    // ran out, not before.
    const next = createMailSender({ db: test.handle, mailer, log: silent });
    let tries = await next.sendDue();
    expect(tries).toBe(0);
    await expect
      .poll(
        async () => {
          tries += await next.sendDue();
          return tries;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1);
    expect(await rowsOf([id ?? ''])).toMatchObject([
      { status: 'sent', attempts: 2, message_id: messageIdOf(id ?? '') },
    ]);
    const copies = copiesOf(id ?? '');
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((m) => m.messageId))).toEqual(new Set([messageIdOf(id ?? '')]));
  });
});

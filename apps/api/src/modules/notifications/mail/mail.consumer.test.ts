import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { appendEvent } from '@evently/db';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import {
  type Consumer,
  createSmtpMailer,
  type DeliveryJob,
  deliverEvent,
  type MailerPort,
  toDeliveryJob,
} from '@evently/platform';
import {
  findFreePort,
  type ReceivedMail,
  type SmtpSink,
  startSmtpSink,
} from '@evently/platform/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailSender, type MailSender } from '../mail-sender.js';
import { createMailConsumer } from './mail.consumer.js';
import type { MailTopic } from './mail-templates.js';

type MailEvent = { [K in MailTopic]: { topic: K; payload: DomainEventPayload<K> } }[MailTopic];
type Person = DomainEventPayload<'user.email_verified'>;

interface Case {
  label: string;
  event(person: Person): MailEvent;
  subject: string;
  /** In both the text and the HTML part. */
  says: string[];
  /** In neither part. */
  never?: RegExp;
  /** A one-time code mail's code, waiting in its row as the auth service leaves it. */
  code?: string;
}

// Far ahead: a code mail past its expiry is not sent (see 'drops a code that expired').
const expiresAt = '2037-11-03T14:05:37.000Z';
const readableExpiry = 'Tue, 3 Nov 2037, 14:05 UTC';
const noAsking = 'Nobody from Evently will ever ask you for this code';

const cases: Case[] = [
  {
    label: 'user.verification_requested -> verification code',
    code: '042917',
    event: (p) => ({
      topic: 'user.verification_requested',
      payload: { ...p, otpId: randomUUID(), expiresAt },
    }),
    subject: 'Your Evently verification code',
    says: ['verify your email address', '042917', readableExpiry, noAsking],
  },
  {
    label: 'user.registration_attempted -> already-registered notice',
    event: (p) => ({ topic: 'user.registration_attempted', payload: p }),
    subject: 'You already have an Evently account',
    says: ['You already have an account', 'nothing was created'],
    never: /\b\d{6}\b/,
  },
  {
    label: 'user.email_verified -> welcome',
    event: (p) => ({ topic: 'user.email_verified', payload: p }),
    subject: 'Welcome to Evently',
    says: ['Your email address is verified'],
    never: /\b\d{6}\b/,
  },
  {
    label: 'user.password_reset_requested -> reset code',
    code: '880031',
    event: (p) => ({
      topic: 'user.password_reset_requested',
      payload: { ...p, otpId: randomUUID(), expiresAt },
    }),
    subject: 'Your Evently password reset code',
    says: ['reset your password', '880031', readableExpiry, noAsking],
  },
  {
    label: 'user.password_changed (change) -> password changed',
    event: (p) => ({ topic: 'user.password_changed', payload: { ...p, via: 'change' } }),
    subject: 'Your Evently password was changed',
    says: ['changed from your account settings', 'Every other device', 'If it was not'],
  },
  {
    label: 'user.password_changed (reset) -> password changed',
    event: (p) => ({ topic: 'user.password_changed', payload: { ...p, via: 'reset' } }),
    subject: 'Your Evently password was changed',
    says: ['reset with a code sent to this address', 'Every device', 'If it was not'],
  },
];

describe('mail consumer over real SMTP', () => {
  let test: TestDatabase;
  let sink: SmtpSink;
  let mailer: MailerPort;
  let consumer: Consumer;
  let sender: MailSender;
  const log = pino({ level: 'silent' });

  beforeAll(async () => {
    test = await createTestDatabase('mail');
    sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, from: 'Evently <no-reply@evently.test>' });
    consumer = createMailConsumer();
    sender = createMailSender({ db: test.handle, mailer, log });
  });

  /** Delivers the job to the consumer (which queues its mails), then sends what is due. */
  async function deliver(job: DeliveryJob): Promise<string> {
    const outcome = await deliverEvent(test.handle.db, consumer, job);
    await sender.sendDue();
    return outcome;
  }

  afterAll(async () => {
    await mailer?.close();
    await sink?.close();
    await test?.drop();
  });

  function person(name = 'Ada Lovelace', local = 'ada'): Person {
    return {
      userId: randomUUID(),
      email: `${local}+${randomUUID().slice(0, 8)}@example.com`,
      name,
    };
  }

  /** A code row as the auth service writes it, its plaintext waiting for the mail. */
  async function storeCode(
    otpId: string,
    code: string | null,
    expires = new Date(expiresAt),
  ): Promise<void> {
    await test.handle.db
      .insertInto('otp_codes')
      .values({
        id: otpId,
        email_key: randomUUID(),
        user_id: null,
        purpose: 'verify',
        code_hash: 'not checked here',
        mail_code: code,
        expires_at: expires,
        created_at: new Date(),
      })
      .execute();
  }

  /**
   * Commits the event to the outbox as a producer does and builds the job the relay enqueues;
   * a one-time code's row first, when given its code.
   */
  async function publish(event: MailEvent, code?: string): Promise<DeliveryJob> {
    if (code !== undefined && 'otpId' in event.payload) await storeCode(event.payload.otpId, code);
    const { id } = await appendEvent(test.handle.db, event);
    const row = await test.handle.db
      .selectFrom('outbox')
      .select(['id', 'topic', 'version', 'payload', 'occurred_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return toDeliveryJob(row);
  }

  // mailer.send resolves once the sink has accepted (and parsed) the mail, so after an awaited
  // delivery and send this list is complete: no polling needed to count.
  function mailsTo(address: string): ReceivedMail[] {
    return sink.messages.filter((mail) => mail.envelopeTo.includes(address));
  }

  async function processed(eventId: string): Promise<string[]> {
    const rows = await test.handle.db
      .selectFrom('processed_events')
      .select('consumer')
      .where('event_id', '=', eventId)
      .execute();
    return rows.map((row) => row.consumer);
  }

  it.each(cases)('$label: arrives at the payload address', async (c) => {
    const to = person();
    const job = await publish(c.event(to), c.code);
    expect(await deliver(job)).toBe('applied');
    const mail = await sink.waitFor((m) => m.envelopeTo.includes(to.email));
    expect(mail.envelopeTo).toEqual([to.email]);
    expect(mail.to).toEqual([to.email]);
    expect(mail.from).toEqual(['no-reply@evently.test']);
    expect(mail.subject).toBe(c.subject);
    expect(mail.text).toContain('Hello Ada Lovelace,');
    expect(mail.html).toContain('<p>Hello Ada Lovelace,</p>');
    expect(mail.html).toMatch(/^<!doctype html>/);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain(`This mail was sent to ${to.email}.`);
      for (const phrase of c.says) expect(part).toContain(phrase);
      if (c.never) expect(part).not.toMatch(c.never);
    }
    expect(await processed(job.id)).toEqual(['mail']);
  });

  it('shows a code expiry as a machine-readable instant in the HTML', async () => {
    const to = person();
    const [first] = cases;
    if (!first) throw new Error('cases expected');
    await deliver(await publish(first.event(to), first.code));
    const [mail] = mailsTo(to.email);
    expect(mail?.html).toContain(`<time datetime="${expiresAt}">${readableExpiry}</time>`);
    expect(mail?.text).toContain(`It expires at ${readableExpiry} (${expiresAt})`);
  });

  it.each(cases)('$label: user-supplied values are escaped in the HTML only', async (c) => {
    const name = '<script>alert(1)</script> & "Bob"';
    const to = person(name, "o'brien");
    await deliver(await publish(c.event(to), c.code));
    const [mail] = mailsTo(to.email);
    if (!mail) throw new Error(`no mail to ${to.email}`);
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain(name);
    expect(mail.html).toContain(
      '<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot;,</p>',
    );
    expect(mail.html).toContain(`This mail was sent to ${to.email.replace("'", '&#39;')}.`);
    expect(mail.text).toContain(`Hello ${name},`);
    expect(mail.text).toContain(`This mail was sent to ${to.email}.`);
    expect(mail.subject).toBe(c.subject);
  });

  it('takes a code from its row: never in the outbox, cleared from the row once queued, from the body once sent', async () => {
    const to = person();
    const otpId = randomUUID();
    const job = await publish(
      { topic: 'user.password_reset_requested', payload: { ...to, otpId, expiresAt } },
      '314159',
    );
    expect(JSON.stringify(job.payload)).not.toContain('314159');
    expect(await deliverEvent(test.handle.db, consumer, job)).toBe('applied');
    const row = (id: string) =>
      test.handle.db
        .selectFrom('otp_codes')
        .select('mail_code')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    expect(await row(otpId)).toEqual({ mail_code: null });
    const queued = () =>
      test.handle.db
        .selectFrom('sent_emails')
        .select(['status', 'body_text', 'body_html'])
        .where('source', '=', job.id)
        .executeTakeFirstOrThrow();
    expect((await queued()).body_text).toContain('314159');
    await sender.sendDue();
    expect(mailsTo(to.email)[0]?.text).toContain('314159');
    expect(await queued()).toEqual({ status: 'sent', body_text: null, body_html: null });
  });

  it('mails nothing for a code replaced (or already mailed) before its event is handled', async () => {
    const to = person();
    const otpId = randomUUID();
    await storeCode(otpId, null);
    const taken = await publish({
      topic: 'user.verification_requested',
      payload: { ...to, otpId, expiresAt },
    });
    const gone = await publish({
      topic: 'user.verification_requested',
      payload: { ...to, otpId: randomUUID(), expiresAt },
    });
    expect(await deliver(taken)).toBe('applied');
    expect(await deliver(gone)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(0);
    const queued = await test.handle.db
      .selectFrom('sent_emails')
      .select('id')
      .where('source', 'in', [taken.id, gone.id])
      .execute();
    expect(queued).toEqual([]);
  });

  it('mails nothing for a code that expired before its event is handled, and clears it', async () => {
    const to = person();
    const otpId = randomUUID();
    const expired = new Date(Date.now() - 1_000);
    await storeCode(otpId, '271828', expired);
    const job = await publish({
      topic: 'user.password_reset_requested',
      payload: { ...to, otpId, expiresAt: expired.toISOString() },
    });
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(0);
    const code = await test.handle.db
      .selectFrom('otp_codes')
      .select('mail_code')
      .where('id', '=', otpId)
      .executeTakeFirstOrThrow();
    expect(code).toEqual({ mail_code: null });
    const queued = await test.handle.db
      .selectFrom('sent_emails')
      .select('id')
      .where('source', '=', job.id)
      .execute();
    expect(queued).toEqual([]);
  });

  it('sends exactly one mail when the same job is delivered twice', async () => {
    const to = person();
    const job = await publish({ topic: 'user.email_verified', payload: to });
    expect(await deliver(job)).toBe('applied');
    expect(await deliver(job)).toBe('duplicate');
    expect(mailsTo(to.email)).toHaveLength(1);
    expect(await processed(job.id)).toEqual(['mail']);
  });

  it('sends exactly one mail when duplicates of a job are delivered at once', async () => {
    const to = person();
    const job = await publish({ topic: 'user.registration_attempted', payload: to });
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => deliverEvent(test.handle.db, consumer, { ...job })),
    );
    expect(outcomes.sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    await Promise.all([sender.sendDue(), sender.sendDue()]);
    expect(mailsTo(to.email)).toHaveLength(1);
  });

  it('sends nothing again when an event is redelivered after its mail went out', async () => {
    // As if the worker died after SMTP accepted the mail but before processed_events committed:
    // the event comes again and finds the mail already in sent_emails.
    const to = person();
    const job = await publish({ topic: 'user.password_changed', payload: { ...to, via: 'reset' } });
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(1);
    await test.handle.db.deleteFrom('processed_events').where('event_id', '=', job.id).execute();
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(1);
    const rows = await test.handle.db
      .selectFrom('sent_emails')
      .select(['status', 'template', 'recipient_id', 'body_text', 'body_html', 'message_id'])
      .where('source', '=', job.id)
      .execute();
    expect(rows).toEqual([
      {
        status: 'sent',
        template: 'password-changed',
        recipient_id: to.userId,
        // The bodies go once sent (a code mail's would hold the code); the record stays.
        body_text: null,
        body_html: null,
        message_id: mailsTo(to.email)[0]?.messageId,
      },
    ]);
  });

  it('keeps the event done and retries the send when SMTP is unreachable', async () => {
    const deadMailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${await findFreePort()}`,
      from: 'Evently <no-reply@evently.test>',
    });
    try {
      const to = person();
      const job = await publish({ topic: 'user.email_verified', payload: to });
      const unreachable = createMailSender({
        db: test.handle,
        mailer: deadMailer,
        log,
        retry: { backoffMs: 1_000 },
      });
      expect(await deliverEvent(test.handle.db, consumer, job)).toBe('applied');
      expect(await unreachable.sendDue()).toBe(1);
      expect(await processed(job.id)).toEqual(['mail']);
      const row = await test.handle.db
        .selectFrom('sent_emails')
        .select(['status', 'attempts', 'last_error'])
        .where('source', '=', job.id)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row.last_error).toMatch(/ECONNREFUSED/);
      // Not due before its backoff; due after it, and sent once.
      expect(await sender.sendDue()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await sender.sendDue()).toBe(1);
      expect(mailsTo(to.email)).toHaveLength(1);
      expect(await sender.sendDue()).toBe(0);
    } finally {
      await deadMailer.close();
    }
  });

  it('ignores topics that carry no mail', async () => {
    const { id } = await appendEvent(test.handle.db, {
      topic: 'user.role_changed',
      payload: { userId: randomUUID(), role: 'organizer', previousRole: 'user' },
    });
    const row = await test.handle.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const before = sink.messages.length;
    expect(await deliver(toDeliveryJob(row))).toBe('ignored');
    expect(sink.messages).toHaveLength(before);
    expect(await processed(id)).toEqual([]);
  });
});

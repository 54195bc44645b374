import { randomUUID } from 'node:crypto';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { TestDatabase } from '@evently/db/testing';
import type { ReceivedMail, SmtpSink } from '@evently/platform/testing';
import type { EventlyClient } from '@evently/sdk';
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';
import { queuedMailsSent } from './mails-settled.js';

const ATTEMPTS = 3;
const BACKOFF_MS = 300;

/**
 * A mail server that can refuse: a TCP front for the SMTP sink that, while shut, answers every
 * connection with SMTP's "554 no service" greeting (a real refusal nodemailer reports as such),
 * and while open passes the connection through to the sink.
 */
interface SmtpGate {
  url: string;
  open(): void;
  shut(): void;
  /** Connections refused so far: one per try to send. */
  refused(): number;
  close(): Promise<void>;
}

async function startSmtpGate(target: number): Promise<SmtpGate> {
  let open = false;
  let refused = 0;
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (!open) {
      refused += 1;
      socket.end('554 5.3.2 test gate: not accepting mail now\r\n');
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('gate has no port');
  return {
    url: `smtp://127.0.0.1:${address.port}`,
    open: () => {
      open = true;
    },
    shut: () => {
      open = false;
    },
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// Retries, dead letters and their replay, end to end: the API and the worker on Postgres and
// Redis, mailing through a mail server that refuses until it is fixed.
describe('mail dead letters', () => {
  let app: TestApp;
  let gate: SmtpGate;
  let sink: SmtpSink;
  let db: TestDatabase;
  let passwordHash: string;
  let offsetMs = 0;

  const client = (token?: string): EventlyClient => app.client(token);
  const signIn = async (email: string): Promise<EventlyClient> => {
    const tokens = await client().auth.login.mutate({ email, password: TEST_PASSWORD });
    return client(tokens.accessToken);
  };
  const signInAdmin = async (): Promise<EventlyClient> => (await app.admin()).client;

  beforeAll(async () => {
    app = await startTestApp({
      smtpFront: async (target) => {
        gate = await startSmtpGate(target.port);
        return gate;
      },
      mailSender: { retry: { attempts: ATTEMPTS, backoffMs: BACKOFF_MS }, pollIntervalMs: 100 },
      // The services' clock (codes' cooldowns), moved instead of waiting.
      now: () => new Date(Date.now() + offsetMs),
    });
    sink = app.smtp;
    db = app.db;
    passwordHash = await hash(TEST_PASSWORD);
  });

  afterAll(async () => app?.close());

  const mailsTo = (email: string): ReceivedMail[] =>
    sink.messages.filter((m) => m.envelopeTo.includes(email));

  /** Waits until `count` dead letters are listed, and returns them. */
  async function deadLetters(admin: EventlyClient, count: number) {
    await expect
      .poll(async () => (await admin.system.mail.deadLetters.query({ limit: 100 })).items.length, {
        timeout: 15_000,
        interval: 100,
      })
      .toBe(count);
    return (await admin.system.mail.deadLetters.query({ limit: 100 })).items;
  }

  /**
   * A verified account, written directly (no mail can go out yet); registering it again mails
   * its owner a notice, and nothing else.
   */
  async function verifiedAccount(name: string): Promise<string> {
    const email = `${name.split(' ')[0]?.toLowerCase()}-${randomUUID()}@example.com`;
    await db.handle.db
      .insertInto('users')
      .values({
        id: randomUUID(),
        email,
        name,
        role: 'user',
        password_hash: passwordHash,
        email_verified_at: new Date(),
        updated_at: new Date(),
      })
      .execute();
    return email;
  }
  const registerAgain = (email: string) =>
    client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Again' });

  it('retries with backoff, dead-letters, and an admin replays the mail once SMTP is fixed', async () => {
    const admin = await signInAdmin();
    const email = await verifiedAccount('Dana <Dead>');
    await registerAgain(email);

    // Every try refused: after the last one the mail is a dead letter, listed for admins.
    const [dead] = await deadLetters(admin, 1);
    expect(dead).toMatchObject({
      template: 'already-registered',
      to: email,
      subject: 'You already have an Evently account',
      attempts: ATTEMPTS,
    });
    expect(dead?.lastError).toMatch(/554/);
    // One connection per try, and the tries waited 300 ms, then 600 ms (doubling).
    expect(gate.refused()).toBe(ATTEMPTS);
    const span = Date.parse(dead?.deadAt ?? '') - Date.parse(dead?.createdAt ?? '');
    expect(span).toBeGreaterThanOrEqual(BACKOFF_MS + 2 * BACKOFF_MS);
    expect(mailsTo(email)).toHaveLength(0);

    // Fixed: the replayed mail goes out, once, and the list is empty again.
    gate.open();
    const adminId = (await admin.auth.me.query()).id;
    expect(await admin.system.mail.replay.mutate({ ids: [dead?.id ?? ''] })).toEqual({
      replayed: 1,
    });
    const mail = await sink.waitFor((m) => m.envelopeTo.includes(email), 15_000);
    expect(mail.subject).toBe('You already have an Evently account');
    expect(mail.html).toContain('Hello Dana &lt;Dead&gt;,');
    expect((await admin.system.mail.deadLetters.query({})).items).toEqual([]);
    // A replay of a mail that is no longer dead does nothing (it would send it twice).
    expect(await admin.system.mail.replay.mutate({ ids: [dead?.id ?? ''] })).toEqual({
      replayed: 0,
    });
    await queuedMailsSent(db.handle.db);
    expect(mailsTo(email)).toHaveLength(1);
    const audit = await db.handle.db
      .selectFrom('audit_log')
      .select(['entity', 'entity_id', 'action', 'actor_id'])
      .where('entity', '=', 'mail')
      .execute();
    expect(audit).toEqual([
      { entity: 'mail', entity_id: dead?.id, action: 'replay', actor_id: adminId },
    ]);

    const user = await signIn(email);
    await expectAppCode(user.system.mail.deadLetters.query({}), 'FORBIDDEN');
    await expectAppCode(user.system.mail.replay.mutate({ all: true }), 'FORBIDDEN');
    await expectAppCode(client().system.mail.deadLetters.query({}), 'UNAUTHENTICATED');
    await expectAppCode(admin.system.mail.replay.mutate({ ids: [] }), 'VALIDATION_FAILED');
  });

  it('pages the dead letters and replays them all', async () => {
    const admin = await signInAdmin();
    gate.shut();
    const emails: string[] = [];
    for (let i = 0; i < 3; i += 1) emails.push(await verifiedAccount('Pat'));
    for (const email of emails) await registerAgain(email);
    await deadLetters(admin, 3);

    const first = await admin.system.mail.deadLetters.query({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.system.mail.deadLetters.query({
      limit: 2,
      cursor: first.nextCursor,
    });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((m) => m.to).sort()).toEqual([...emails].sort());

    gate.open();
    expect(await admin.system.mail.replay.mutate({ all: true })).toEqual({ replayed: 3 });
    await queuedMailsSent(db.handle.db);
    for (const email of emails) expect(mailsTo(email), email).toHaveLength(1);
    expect((await admin.system.mail.deadLetters.query({})).items).toEqual([]);
  });

  /** Every sent_emails row of `template` to `email`, as stored. */
  const stored = (email: string, template: string) =>
    db.handle.db
      .selectFrom('sent_emails')
      .select(['id', 'status', 'body_text', 'body_html', 'expires_at'])
      .where('to_email', '=', email)
      .where('template', '=', template)
      .execute();

  it('a code mail that dies keeps no code: its bodies go, it is listed, never replayed; the owner asks again', async () => {
    const admin = await signInAdmin();
    gate.shut();
    const email = `cody-${randomUUID()}@example.com`;
    await client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Cody' });
    const [dead] = await deadLetters(admin, 1);
    expect(dead).toMatchObject({ template: 'verification-code', to: email, attempts: ATTEMPTS });
    // Nothing holds the code any more: not the dead mail, not the code's row.
    expect(await stored(email, 'verification-code')).toEqual([
      {
        id: dead?.id,
        status: 'dead',
        body_text: null,
        body_html: null,
        expires_at: expect.any(Date),
      },
    ]);
    const codes = await db.handle.db
      .selectFrom('otp_codes')
      .innerJoin('users', 'users.id', 'otp_codes.user_id')
      .select('otp_codes.mail_code')
      .where('users.email', '=', email)
      .execute();
    expect(codes).toEqual([{ mail_code: null }]);

    // SMTP is fixed: a replay skips it (there is nothing left to send), by id or with all.
    gate.open();
    expect(await admin.system.mail.replay.mutate({ ids: [dead?.id ?? ''] })).toEqual({
      replayed: 0,
    });
    expect(await admin.system.mail.replay.mutate({ all: true })).toEqual({ replayed: 0 });
    expect((await deadLetters(admin, 1))[0]?.id).toBe(dead?.id);
    // The owner asks for a new code (after the cooldown) and gets it.
    offsetMs += 61_000;
    await client().auth.resendVerification.mutate({ email });
    const mail = await sink.waitFor((m) => m.envelopeTo.includes(email), 15_000);
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
    expect(await client().auth.verifyEmail.mutate({ email, code })).toEqual({ verified: true });
    await queuedMailsSent(db.handle.db);
    expect(mailsTo(email)).toHaveLength(1);
  });

  it('a code mail whose code expired before it could be sent is dropped unsent, without its body', async () => {
    gate.open();
    const email = `late-${randomUUID()}@example.com`;
    const refusedBefore = gate.refused();
    // As the consumer queues it, but its code expired while SMTP kept failing.
    await db.handle.db
      .insertInto('sent_emails')
      .values({
        id: randomUUID(),
        source: randomUUID(),
        recipient_id: randomUUID(),
        template: 'password-reset-code',
        to_email: email,
        subject: 'Your Evently password reset code',
        body_text: 'Use this code: 123456',
        body_html: '<p>123456</p>',
        expires_at: new Date(Date.now() - 1_000),
      })
      .execute();
    await queuedMailsSent(db.handle.db);
    expect(await stored(email, 'password-reset-code')).toEqual([
      expect.objectContaining({ status: 'dead', body_text: null, body_html: null }),
    ]);
    const [row] = await db.handle.db
      .selectFrom('sent_emails')
      .select(['attempts', 'last_error'])
      .where('to_email', '=', email)
      .execute();
    expect(row).toEqual({ attempts: 1, last_error: 'expired before it could be sent' });
    expect(mailsTo(email)).toHaveLength(0);
    expect(gate.refused()).toBe(refusedBefore);
  });
});

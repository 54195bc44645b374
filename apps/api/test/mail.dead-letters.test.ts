import { randomUUID } from 'node:crypto';
import { connect, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { TestDatabase } from '@evently/db/testing';
import type { ReceivedMail, SmtpSink } from '@evently/platform/testing';
import type { EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

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
    });
    sink = app.smtp;
    db = app.db;
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

  /** Nothing is waiting to be sent (counting at the sink is exact after this). */
  async function nothingPending(): Promise<void> {
    await expect
      .poll(
        async () =>
          (
            await db.handle.db
              .selectFrom('sent_emails')
              .select('id')
              .where('status', '=', 'pending')
              .execute()
          ).length,
        { timeout: 15_000, interval: 100 },
      )
      .toBe(0);
  }

  it('retries with backoff, dead-letters, and an admin replays the mail once SMTP is fixed', async () => {
    const admin = await signInAdmin();
    const email = `dana-${randomUUID()}@example.com`;
    await client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Dana <Dead>' });

    // Every try refused: after the last one the mail is a dead letter, listed for admins.
    const [dead] = await deadLetters(admin, 1);
    expect(dead).toMatchObject({
      template: 'verification-code',
      to: email,
      subject: 'Your Evently verification code',
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
    expect(mail.subject).toBe('Your Evently verification code');
    expect(mail.html).toContain('Hello Dana &lt;Dead&gt;,');
    expect((await admin.system.mail.deadLetters.query({})).items).toEqual([]);
    // A replay of a mail that is no longer dead does nothing (it would send it twice).
    expect(await admin.system.mail.replay.mutate({ ids: [dead?.id ?? ''] })).toEqual({
      replayed: 0,
    });
    await nothingPending();
    expect(mailsTo(email)).toHaveLength(1);
    const audit = await db.handle.db
      .selectFrom('audit_log')
      .select(['entity', 'entity_id', 'action', 'actor_id'])
      .where('entity', '=', 'mail')
      .execute();
    expect(audit).toEqual([
      { entity: 'mail', entity_id: dead?.id, action: 'replay', actor_id: adminId },
    ]);

    // The code it carried works: the account is verified.
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1] ?? '';
    await client().auth.verifyEmail.mutate({ email, code });
    const user = await signIn(email);
    await expectAppCode(user.system.mail.deadLetters.query({}), 'FORBIDDEN');
    await expectAppCode(user.system.mail.replay.mutate({ all: true }), 'FORBIDDEN');
    await expectAppCode(client().system.mail.deadLetters.query({}), 'UNAUTHENTICATED');
    await expectAppCode(admin.system.mail.replay.mutate({ ids: [] }), 'VALIDATION_FAILED');
  });

  it('pages the dead letters and replays them all', async () => {
    const admin = await signInAdmin();
    gate.shut();
    const emails = [0, 1, 2].map((i) => `page-${i}-${randomUUID()}@example.com`);
    for (const email of emails) {
      await client().auth.register.mutate({ email, password: TEST_PASSWORD, name: 'Pat' });
    }
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
    await nothingPending();
    for (const email of emails) expect(mailsTo(email), email).toHaveLength(1);
    expect((await admin.system.mail.deadLetters.query({})).items).toEqual([]);
  });
});

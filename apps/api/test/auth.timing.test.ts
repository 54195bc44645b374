import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

// How long the answers for unknown and existing emails take must not tell them apart. Robust on
// a loaded 2-core machine: calls alternate (existing, unknown, then unknown, existing, …) so load
// hits both alike, each pair's ratio is taken, and the median ratio must stay inside a generous
// band. The band still catches the holes this guards (measured under load): a login without the
// decoy hash answers an unknown email in 0.2 of the time, a code request that skips the code's
// work for an unknown email in about 0.5, the code requests before issue 12's fix in 0.4-0.6.

const PAIRS = 50;
/** A pause before each call: the in-process worker's mail work for the last call runs meanwhile. */
const SETTLE_MS = 50;
const WARM_UP = 4;
/** Median of unknown/existing per pair must be within [1/BAND, BAND]. */
const BAND = 1.5;
/** Hundreds of calls with pauses: generous room on a loaded machine. */
const TIMEOUT_MS = 180_000;

type Kind = 'existing' | 'unknown';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

describe('auth timing: unknown and existing emails', () => {
  let app: TestApp;
  let passwordHash: string;
  let calls = 0;
  beforeAll(async () => {
    app = await startTestApp();
    passwordHash = await hash(TEST_PASSWORD);
  });
  afterAll(async () => app?.close());

  /** A fresh account per call, so no per-email limit or cooldown is ever in play. */
  async function account(verified: boolean): Promise<string> {
    const email = `timing-${randomUUID()}@example.com`;
    await app.db.handle.db
      .insertInto('users')
      .values({
        id: randomUUID(),
        email,
        name: 'Timing',
        role: 'user',
        password_hash: passwordHash,
        email_verified_at: verified ? new Date() : null,
        updated_at: new Date(),
      })
      .execute();
    return email;
  }

  /** One call over HTTP from an address of its own; its duration in milliseconds. */
  async function timed(path: string, input: unknown): Promise<number> {
    calls += 1;
    const ip = `10.200.${(calls >> 8) & 255}.${calls & 255}`;
    const started = performance.now();
    const res = await fetch(`${app.url}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify(input),
    });
    await res.arrayBuffer();
    const elapsed = performance.now() - started;
    if (res.status === 429) throw new Error(`${path} was rate limited: the test must avoid that`);
    return elapsed;
  }

  /**
   * Asks for a reset or verification code for each email (as its owner or a prober would before
   * typing one), then waits until the worker has sent every mail that caused.
   */
  async function askCodes(
    emails: string[],
    ask: (email: string, meta: { ip: string; userAgent: null }) => Promise<unknown>,
    mailed: number,
  ): Promise<void> {
    // Only mails to these (fresh) addresses count: an earlier test's mails may still be arriving.
    const asked = new Set(emails.map((e) => e.toLowerCase()));
    const ours = () =>
      app.smtp.messages.filter((m) => m.envelopeTo.some((to) => asked.has(to.toLowerCase())))
        .length;
    for (const [i, email] of emails.entries()) {
      await ask(email, { ip: `10.201.${i >> 8}.${i & 255}`, userAgent: null });
    }
    await expect.poll(ours, { timeout: 60_000, interval: 200 }).toBe(mailed);
  }

  async function compare(
    path: string,
    input: (email: string) => unknown,
    existingEmail: () => Promise<string>,
    prepare?: (emails: Record<Kind, string[]>) => Promise<void>,
  ): Promise<{ existing: number; unknown: number; ratio: number }> {
    const emails: Record<Kind, string[]> = { existing: [], unknown: [] };
    for (let i = 0; i < PAIRS + WARM_UP; i += 1) {
      emails.existing.push(await existingEmail());
      emails.unknown.push(`nobody-${randomUUID()}@example.com`);
    }
    await prepare?.(emails);
    const times: Record<Kind, number[]> = { existing: [], unknown: [] };
    for (let i = 0; i < PAIRS + WARM_UP; i += 1) {
      const order: Kind[] = i % 2 === 0 ? ['existing', 'unknown'] : ['unknown', 'existing'];
      for (const kind of order) {
        await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
        const took = await timed(path, input(emails[kind][i] ?? ''));
        if (i >= WARM_UP) times[kind].push(took);
      }
    }
    const ratios = times.unknown.map((t, i) => t / (times.existing[i] ?? t));
    const result = {
      existing: median(times.existing),
      unknown: median(times.unknown),
      ratio: median(ratios),
    };
    if (process.env.AUTH_TIMING_LOG) console.info(path, JSON.stringify(result));
    return result;
  }

  const withinBand = (result: { ratio: number }) => {
    expect(result.ratio).toBeGreaterThan(1 / BAND);
    expect(result.ratio).toBeLessThan(BAND);
  };

  it(
    'login: an unknown email takes as long as a wrong password (the decoy hash)',
    async () => {
      withinBand(
        await compare(
          'auth.login',
          (email) => ({ email, password: 'a wrong password' }),
          () => account(true),
        ),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'requestPasswordReset: an unknown email takes as long as an account',
    async () => {
      withinBand(
        await compare(
          'auth.requestPasswordReset',
          (email) => ({ email }),
          () => account(true),
        ),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'resendVerification: an unknown email takes as long as an unverified account',
    async () => {
      withinBand(
        await compare(
          'auth.resendVerification',
          (email) => ({ email }),
          () => account(false),
        ),
      );
    },
    TIMEOUT_MS,
  );

  // Typing a code: the account's live code and an unknown email's phantom run the same checks.
  const WRONG_CODE = '000000';
  const codesAsked = (ask: 'requestPasswordReset' | 'resendVerification') =>
    async function prepare(emails: Record<Kind, string[]>) {
      const auth = app.services.auth;
      await askCodes(
        [...emails.existing, ...emails.unknown],
        (email, meta) => auth[ask]({ email }, meta),
        emails.existing.length,
      );
    };

  it(
    'resetPassword: a wrong code for an unknown email takes as long as for an account’s live code',
    async () => {
      withinBand(
        await compare(
          'auth.resetPassword',
          (email) => ({ email, code: WRONG_CODE, newPassword: 'a brand new password' }),
          () => account(true),
          codesAsked('requestPasswordReset'),
        ),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'verifyEmail: a wrong code for an unknown email takes as long as for an account’s live code',
    async () => {
      withinBand(
        await compare(
          'auth.verifyEmail',
          (email) => ({ email, code: WRONG_CODE }),
          () => account(false),
          codesAsked('resendVerification'),
        ),
      );
    },
    TIMEOUT_MS,
  );
});

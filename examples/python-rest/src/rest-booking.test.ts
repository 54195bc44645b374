import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  adminClient,
  type EmbeddedApi,
  publishEvent,
  signUp,
  startEmbeddedApi,
} from '@evently/examples-testing';
import type { EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../rest_booking.py', import.meta.url));
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The script as a reader runs it: `python3 rest_booking.py …`; a non-zero exit is returned. */
async function runScript(args: string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)('python3', [script, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('examples/python-rest against pnpm start (embedded)', () => {
  const account = { email: 'pia@example.com', password: 'a password for the example tests' };
  const credentials = { EVENTLY_EMAIL: account.email, EVENTLY_PASSWORD: account.password };
  let api: EmbeddedApi;
  let pia: EventlyClient;
  let eventId: string;

  beforeAll(async () => {
    api = await startEmbeddedApi();
    const admin = await adminClient(api);
    eventId = (await publishEvent(admin, { title: 'Python night', capacity: 5, priceCents: 1200 }))
      .id;
    pia = await signUp(api, { ...account, name: 'Pia' });
  });
  afterAll(async () => api?.stop());

  it('lists the events, signs in and books, through REST and the document alone', async () => {
    const run = await runScript(['--url', api.url, '--event', eventId, '--quantity', '2'], {
      ...credentials,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('events:');
    expect(lines[1]).toMatch(new RegExp(`^  ${eventId}  \\S+  Python night  \\(5 left\\)$`));
    expect(lines[2]).toBe(`signed in as ${account.email}`);
    const booked = new RegExp(
      `^booked 2 x Python night: booking (${UUID}) pending until \\S+, total 24\\.00 EUR$`,
    ).exec(lines[3] ?? '');
    expect(booked, lines[3]).not.toBeNull();
    expect(lines).toHaveLength(4);

    // The booking is the API's like any other: the SDK (over tRPC) reads it back.
    const { items } = await pia.bookings.mine.query({});
    expect(items).toMatchObject([
      { id: booked?.[1], eventId, quantity: 2, status: 'pending', totalCents: 2400 },
    ]);
  });

  it('without --event it books the first event with seats left', async () => {
    const run = await runScript(['--url', api.url], credentials);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Python night  (3 left)');
    expect(run.stdout).toMatch(/^booked 1 x Python night: booking .* total 12\.00 EUR$/m);
  });

  it('a refusal is printed as its appCode and message, exit status 1', async () => {
    const run = await runScript(['--url', api.url, '--event', eventId], {
      ...credentials,
      EVENTLY_PASSWORD: 'not the password at all',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^INVALID_CREDENTIALS: .+\n$/);
    const tooMany = await runScript(['--url', api.url, '--event', eventId, '--quantity', '50'], {
      ...credentials,
    });
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^QUANTITY_LIMIT_EXCEEDED: .+\n$/);
  });
});

import { fileURLToPath } from 'node:url';
import {
  adminClient,
  type EmbeddedApi,
  publishEvent,
  runExample as runExampleIn,
  startEmbeddedApi,
  verificationCode,
} from '@evently/examples-testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

const runExample = (args: string[], env: Record<string, string> = {}) =>
  runExampleIn(exampleDir, args, env);

describe('examples/node-booking against pnpm start (embedded)', () => {
  let api: EmbeddedApi;
  let admin: EventlyClient;

  beforeAll(async () => {
    api = await startEmbeddedApi();
    admin = await adminClient(api);
  });
  afterAll(() => api?.stop());

  it('registers, reads the code from the dev mailbox, logs in, books and confirms', async () => {
    const event = await publishEvent(admin, { title: 'Node booking night', capacity: 5 });
    const email = 'ada@example.com';
    const run = await runExample(
      ['--url', api.url, '--event', event.id, '--email', email, '--quantity', '2'],
      { EVENTLY_PASSWORD: 'a long passphrase for ada' },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toEqual([
      `→ signing in as ${email}`,
      '→ no account with that password: registering',
      expect.stringMatching(/^→ verification code \d{6} read from the dev mailbox$/),
      expect.stringMatching(/^→ email verified; signed in as user [0-9a-f-]{36}$/),
      expect.stringContaining('→ event "Node booking night"'),
      expect.stringMatching(/^→ booked 2 seat\(s\), €50\.00: booking [0-9a-f-]{36} held until /),
      expect.stringMatching(/^→ booking [0-9a-f-]{36} confirmed \(2 seat\(s\), €50\.00\)$/),
      expect.stringMatching(/^done: booking [0-9a-f-]{36} is confirmed$/),
    ]);

    // The server agrees: one confirmed booking of 2 seats, 3 seats left.
    const bookingId = /booking ([0-9a-f-]{36}) is confirmed/.exec(run.stdout)?.[1];
    const { items } = await admin.bookings.listForEvent.query({ eventId: event.id });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: bookingId, status: 'confirmed', quantity: 2 });
    const availability = await admin.bookings.availability.query({ eventId: event.id });
    expect(availability).toMatchObject({ confirmed: 2, held: 0, available: 3 });
  });

  it('takes a code given in EVENTLY_OTP and picks the first event with free seats', async () => {
    const email = 'grace@example.com';
    const password = 'a long passphrase for grace';
    // Registered earlier (say, on another machine); the mail's code is handed to the script.
    await createEventlyClient({ url: api.url }).auth.register.mutate({
      email,
      password,
      name: 'Grace',
    });
    const code = await verificationCode(api.url, email);
    const soldOut = await publishEvent(admin, { title: 'Tiny room', capacity: 1 });
    await admin.bookings.create.mutate({ eventId: soldOut.id, quantity: 1 });

    const run = await runExample(['--url', api.url], {
      EVENTLY_EMAIL: email,
      EVENTLY_PASSWORD: password,
      EVENTLY_OTP: code,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '→ the account is not verified yet\n→ using the verification code given',
    );
    expect(run.stdout).not.toContain('Tiny room');
    expect(run.stdout).toMatch(/booking [0-9a-f-]{36} is confirmed/);
  });

  it('says what went wrong in the API’s words and exits non-zero', async () => {
    const full = await publishEvent(admin, { title: 'Full house', capacity: 1 });
    await admin.bookings.create.mutate({ eventId: full.id, quantity: 1 });
    const run = await runExample(['--url', api.url, '--event', full.id], {
      EVENTLY_EMAIL: 'ada@example.com',
      EVENTLY_PASSWORD: 'a long passphrase for ada',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^SOLD_OUT: /);
  });
});

import { fileURLToPath } from 'node:url';
import {
  adminClient,
  type EmbeddedApi,
  publishEvent,
  runExample as runExampleIn,
  type StripeStub,
  startEmbeddedApi,
  startStripeStub,
  verificationCode,
} from '@evently/examples-testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

const runExample = (args: string[], env: Record<string, string> = {}) =>
  runExampleIn(exampleDir, args, env);

const ID = '[0-9a-f-]{36}';

describe('examples/node-booking against pnpm start (embedded)', () => {
  let api: EmbeddedApi;
  let admin: EventlyClient;
  // A second server, configured for Stripe against a local stand-in for api.stripe.com.
  let stripe: StripeStub;
  let withStripe: EmbeddedApi;

  beforeAll(async () => {
    stripe = await startStripeStub();
    [api, withStripe] = await Promise.all([
      startEmbeddedApi(),
      startEmbeddedApi({ env: stripe.env }),
    ]);
    admin = await adminClient(api);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), withStripe?.stop()]);
    await stripe?.close();
  });

  it('registers, reads the code from the dev mailbox, logs in, books; the organizer confirms on payment', async () => {
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
      expect.stringMatching(new RegExp(`^→ email verified; signed in as user ${ID}$`)),
      expect.stringContaining('→ event "Node booking night"'),
      expect.stringMatching(
        new RegExp(`^→ booked 2 seat\\(s\\), €50\\.00: booking ${ID} held until `),
      ),
      '→ payment due: €50.00; this server takes no online payment, so the organizer confirms the booking when they receive it',
      expect.stringMatching(
        new RegExp(
          `^done: booking ${ID} is pending until its payment arrives \\(seats held until .+\\)$`,
        ),
      ),
    ]);

    // The server agrees: one pending booking holding 2 seats, 3 seats left.
    const bookingId = new RegExp(`booking (${ID}) is pending`).exec(run.stdout)?.[1] ?? '';
    const { items } = await admin.bookings.listForEvent.query({ eventId: event.id });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: bookingId, status: 'pending', quantity: 2 });
    expect(await admin.bookings.availability.query({ eventId: event.id })).toMatchObject({
      confirmed: 0,
      held: 2,
      available: 3,
    });

    // Ada pays by bank transfer; the organizer (here the admin, who made the event) marks it.
    const paid = await admin.payments.markPaid.mutate({
      bookingId,
      amountCents: 5000,
      currency: 'EUR',
      method: 'transfer',
      reference: 'transfer from Ada',
    });
    expect(paid).toMatchObject({ id: bookingId, status: 'confirmed' });
    expect(await admin.bookings.availability.query({ eventId: event.id })).toMatchObject({
      confirmed: 2,
      held: 0,
      available: 3,
    });
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
    // Earlier than the others, so the first with free seats; free, so confirmed at once.
    const startsAt = new Date(Date.now() + 7 * 86_400_000);
    await publishEvent(admin, {
      title: 'Open rehearsal',
      priceCents: 0,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
    });

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
    expect(run.stdout).toContain('→ event "Open rehearsal"');
    expect(run.stdout).toMatch(
      new RegExp(
        `→ booking ${ID} confirmed \\(1 seat\\(s\\), €0\\.00\\)\ndone: booking ${ID} is confirmed\n$`,
      ),
    );
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

  it('on a server with Stripe, starts a checkout: a PaymentIntent for the booking’s total', async () => {
    const organizer = await adminClient(withStripe);
    const event = await publishEvent(organizer, { title: 'Card payments night', capacity: 5 });
    const run = await runExample(['--url', withStripe.url, '--event', event.id], {
      EVENTLY_EMAIL: 'lin@example.com',
      EVENTLY_PASSWORD: 'a long passphrase for lin',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [, intentId, total] =
      /→ payment due: Stripe PaymentIntent (pi_\w+) for (€[\d.]+) \(a web page hands its client secret to Stripe\.js; Stripe's webhook confirms the booking\)\n/.exec(
        run.stdout,
      ) ?? [];
    expect(total).toBe('€25.00');
    const bookingId = new RegExp(`booking (${ID}) is pending until its payment arrives`).exec(
      run.stdout,
    )?.[1];

    // What the API's Stripe library sent: the total in cents, the currency in lower case, the
    // booking in the metadata, the booking id as the idempotency key.
    expect(stripe.paymentIntents).toEqual([
      expect.objectContaining({
        id: intentId,
        idempotencyKey: bookingId,
        authorization: `Bearer ${stripe.env.STRIPE_SECRET_KEY}`,
        form: expect.objectContaining({
          amount: '2500',
          currency: 'eur',
          'metadata[evently_booking_id]': bookingId,
        }),
      }),
    ]);
    // Nothing is paid yet: Stripe's signed webhook confirms it once the card is charged
    // (examples/payments delivers one).
    const booking = await organizer.bookings.get.query({ bookingId: bookingId ?? '' });
    expect(booking.status).toBe('pending');
  });
});

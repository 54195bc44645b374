import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, TEST_PASSWORD, type TestApp } from './harness.js';

// Codes guessed through orders: bookings.create with a voucher code spends the same budget as
// vouchers.check (20 wrong codes per network per 10 minutes), so orders are no way around it —
// while orders with a valid code spend nothing, however many a sale sends from one network.
const PER_NETWORK = 20;

describe('voucher codes guessed through bookings.create', () => {
  let app: TestApp;
  let owner: SignedUp;
  let buyer: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [owner, buyer] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
  });
  afterAll(async () => app?.close());

  /** The buyer signed in again, calling from `ip`. */
  async function buyerFrom(ip: string) {
    const anonymous = app.client(undefined, { 'x-forwarded-for': ip });
    const tokens = await anonymous.auth.login.mutate({
      email: buyer.email,
      password: TEST_PASSWORD,
    });
    return app.client(tokens.accessToken, { 'x-forwarded-for': ip });
  }

  async function published(capacity: number) {
    const draft = await owner.client.events.create.mutate(
      eventInput({ capacity, priceCents: 1_000, maxPerBooking: 1 }),
    );
    await owner.client.events.publish.mutate({ id: draft.id });
    return draft.id;
  }

  it('counts wrong codes of orders against the network, then refuses orders and checks alike', async () => {
    const eventId = await published(50);
    const [voucher] = await owner.client.vouchers.create.mutate({
      eventId,
      code: 'REAL-CODE',
      maxUses: 40,
      effect: { kind: 'percent', percent: 50 },
    });
    if (!voucher) throw new Error('a voucher');
    const client = await buyerFrom('203.0.113.44');
    // Valid codes spend nothing: more than the budget of them go through.
    for (let i = 0; i < PER_NETWORK + 5; i += 1) {
      const booking = await client.bookings.create.mutate({
        eventId,
        quantity: 1,
        voucherCode: 'real-code',
      });
      expect(booking.totalCents).toBe(500);
    }
    for (let i = 0; i < PER_NETWORK; i += 1) {
      await expectAppCode(
        client.bookings.create.mutate({ eventId, quantity: 1, voucherCode: `guess-${i}` }),
        'VOUCHER_INVALID',
      );
    }
    // The budget is spent: the next order with any code, and the public check, are refused.
    const limited = await expectAppCode(
      client.bookings.create.mutate({ eventId, quantity: 1, voucherCode: 'real-code' }),
      'RATE_LIMITED',
    );
    expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    await expectAppCode(
      app
        .client(undefined, { 'x-forwarded-for': '203.0.113.44' })
        .vouchers.check.mutate({ eventId, code: 'guess-x' }),
      'RATE_LIMITED',
    );
    // An order without a code is not a guess.
    const plain = await client.bookings.create.mutate({ eventId, quantity: 1 });
    expect(plain.totalCents).toBe(1_000);
    // Another network still orders with the code.
    const elsewhere = await buyerFrom('198.51.100.9');
    const booking = await elsewhere.bookings.create.mutate({
      eventId,
      quantity: 1,
      voucherCode: 'real-code',
    });
    expect(booking.voucherCode).toBe('real-code');
  });

  it('counts codes that unlock nothing in ticketTypes.list against the same budget', async () => {
    const eventId = await published(10);
    await owner.client.ticketTypes.create.mutate({
      eventId,
      name: 'Crew',
      priceCents: 0,
      hidden: true,
    });
    await owner.client.vouchers.create.mutate({
      eventId,
      code: 'crew-pass',
      maxUses: 10,
      unlocksHidden: true,
      effect: { kind: 'none' },
    });
    const anonymous = () => app.client(undefined, { 'x-forwarded-for': '192.0.2.77' });
    // The real code shows the hidden type, and spends nothing.
    for (let i = 0; i < PER_NETWORK + 5; i += 1) {
      const types = await anonymous().ticketTypes.list.query({ eventId, voucherCode: 'CREW-PASS' });
      expect(types.map((t) => t.name)).toContain('Crew');
    }
    for (let i = 0; i < PER_NETWORK; i += 1) {
      const types = await anonymous().ticketTypes.list.query({ eventId, voucherCode: `try-${i}` });
      expect(types.map((t) => t.name)).toEqual(['General admission']);
    }
    await expectAppCode(
      anonymous().ticketTypes.list.query({ eventId, voucherCode: 'crew-pass' }),
      'RATE_LIMITED',
    );
    // Without a code, the list answers as ever.
    expect(await anonymous().ticketTypes.list.query({ eventId })).toHaveLength(1);
  });
});

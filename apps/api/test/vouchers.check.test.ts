import { randomUUID } from 'node:crypto';
import type { Event } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode, outcomeOf } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

// vouchers.check, the public oracle for codes: what it answers (an unknown code and one that
// cannot be used alike), and its rate limits per client network (20 per 10 minutes) and per
// event (200 checks finding nothing per 10 minutes), driven to the limit by counting calls — no
// waiting on the clock. Each network is an X-Forwarded-For address behind the trusted loopback.

const DAY = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const PER_NETWORK = 20;
const PER_EVENT = 200;

describe('vouchers.check', () => {
  let app: TestApp;
  let owner: SignedUp;
  let networks = 0;

  beforeAll(async () => {
    app = await startTestApp();
    owner = await app.signUp({ role: 'organizer' });
  });
  afterAll(async () => app?.close());

  /** An anonymous caller from a network of its own (or `ip`). */
  const from = (ip?: string) => {
    networks += 1;
    return app.client(undefined, {
      'x-forwarded-for': ip ?? `198.18.${(networks >> 8) & 255}.${networks & 255}`,
    });
  };

  async function published(): Promise<Event> {
    const draft = await owner.client.events.create.mutate(eventInput());
    return owner.client.events.publish.mutate({ id: draft.id });
  }

  it('answers what a usable code is worth; unknown, disabled, used-up, out-of-window codes and drafts alike', async () => {
    const event = await published();
    const create = (code: string, extra: object = {}) =>
      owner.client.vouchers.create.mutate({
        eventId: event.id,
        code,
        effect: { kind: 'percent', percent: 20 },
        ...extra,
      });
    const [good] = await create('good-code', { unlocksHidden: true, maxUses: 2 });
    const [off] = await create('off-code');
    await owner.client.vouchers.disable.mutate({ id: off?.id ?? '' });
    await create('later-code', { validFrom: at(1) });
    await create('over-code', { validUntil: at(-1) });
    await create('spent-code');
    const buyer = await app.signUp();
    await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      voucherCode: 'spent-code',
    });

    expect(await from().vouchers.check.mutate({ eventId: event.id, code: 'GOOD-code' })).toEqual({
      valid: true,
      effect: { kind: 'percent', percent: 20 },
      ticketTypeIds: [],
      unlocksHidden: true,
    });
    expect(good?.code).toBe('good-code');
    for (const code of ['no-such-code', 'off-code', 'later-code', 'over-code', 'spent-code']) {
      expect(await from().vouchers.check.mutate({ eventId: event.id, code }), code).toEqual({
        valid: false,
      });
    }
    // Out of its window, a code is refused by bookings.create too.
    for (const voucherCode of ['later-code', 'over-code']) {
      await expectAppCode(
        buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1, voucherCode }),
        'VOUCHER_INVALID',
      );
    }
    // Signed in, the same.
    expect(
      await buyer.client.vouchers.check.mutate({ eventId: event.id, code: 'good-code' }),
    ).toMatchObject({ valid: true });
    // A draft's codes are not disclosed, nor is an unknown event.
    const draft = await owner.client.events.create.mutate(eventInput());
    await owner.client.vouchers.create.mutate({
      eventId: draft.id,
      code: 'draft-code',
      effect: { kind: 'none' },
    });
    expect(await from().vouchers.check.mutate({ eventId: draft.id, code: 'draft-code' })).toEqual({
      valid: false,
    });
    expect(
      await from().vouchers.check.mutate({ eventId: randomUUID(), code: 'good-code' }),
    ).toEqual({ valid: false });
  });

  it(`limits one network to ${PER_NETWORK} checks; other networks still check`, async () => {
    const event = await published();
    const ip = '203.0.113.7';
    const answers = [];
    for (let i = 0; i < PER_NETWORK; i += 1) {
      answers.push(await from(ip).vouchers.check.mutate({ eventId: event.id, code: `guess-${i}` }));
    }
    expect(answers).toEqual(Array(PER_NETWORK).fill({ valid: false }));
    const limited = await expectAppCode(
      from(ip).vouchers.check.mutate({ eventId: event.id, code: 'guess-last' }),
      'RATE_LIMITED',
    );
    expect(limited.httpStatus).toBe(429);
    expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.details?.retryAfterSeconds).toBeLessThanOrEqual(600);
    // Another event from the same network: the network's budget is spent for every event.
    const other = await published();
    await expectAppCode(
      from(ip).vouchers.check.mutate({ eventId: other.id, code: 'guess-x' }),
      'RATE_LIMITED',
    );
    // The same /64 of IPv6 is one network.
    const v6 = (n: number) => `2001:db8:5:9::${n.toString(16)}`;
    for (let i = 1; i <= PER_NETWORK; i += 1) {
      await from(v6(i)).vouchers.check.mutate({ eventId: event.id, code: `v6-${i}` });
    }
    await expectAppCode(
      from(v6(999)).vouchers.check.mutate({ eventId: event.id, code: 'v6-last' }),
      'RATE_LIMITED',
    );
    expect(await from().vouchers.check.mutate({ eventId: event.id, code: 'fresh' })).toEqual({
      valid: false,
    });
  });

  it(`limits an event to ${PER_EVENT} checks finding nothing, from all networks together; usable codes do not count`, async () => {
    const event = await published();
    await owner.client.vouchers.create.mutate({
      eventId: event.id,
      code: 'real-code',
      maxUses: 100,
      effect: { kind: 'none' },
    });
    // Buyers with a real code give their point back...
    for (let i = 0; i < 10; i += 1) {
      const answer = await from().vouchers.check.mutate({ eventId: event.id, code: 'real-code' });
      expect(answer.valid).toBe(true);
    }
    // ...so 200 wrong guesses, 10 from each of 20 networks, all still get answered...
    const guesses = [];
    for (let network = 0; network < PER_EVENT / 10; network += 1) {
      const caller = from();
      for (let i = 0; i < 10; i += 1) {
        guesses.push(
          outcomeOf(caller.vouchers.check.mutate({ eventId: event.id, code: `g-${network}-${i}` })),
        );
      }
    }
    const outcomes = await Promise.all(guesses);
    expect(outcomes).toEqual(Array(PER_EVENT).fill({ kind: 'answered', value: { valid: false } }));
    // ...and then the event is closed to checks from anywhere, real codes included...
    for (const code of ['g-next', 'real-code']) {
      const limited = await expectAppCode(
        from().vouchers.check.mutate({ eventId: event.id, code }),
        'RATE_LIMITED',
      );
      expect(limited.details?.retryAfterSeconds).toBeGreaterThan(0);
    }
    // ...while other events are not, and bookings with the code are unaffected.
    const other = await published();
    expect(await from().vouchers.check.mutate({ eventId: other.id, code: 'g-next' })).toEqual({
      valid: false,
    });
    const buyer = await app.signUp();
    const booking = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      voucherCode: 'real-code',
    });
    expect(booking.voucherCode).toBe('real-code');
  });

  it('refuses a malformed code at the boundary, before counting', async () => {
    const event = await published();
    const ip = '203.0.113.99';
    for (let i = 0; i < PER_NETWORK + 5; i += 1) {
      await expectAppCode(
        from(ip).vouchers.check.mutate({ eventId: event.id, code: 'x!' }),
        'VALIDATION_FAILED',
      );
    }
    expect(await from(ip).vouchers.check.mutate({ eventId: event.id, code: 'fine-code' })).toEqual({
      valid: false,
    });
  });
});

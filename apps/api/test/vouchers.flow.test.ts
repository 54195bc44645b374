import { randomUUID } from 'node:crypto';
import type { Event, EventInput, Voucher } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';

// vouchers.* over HTTP through the SDK: creating codes (one of one's own, or generated in bulk),
// listing them with their uses, changing and disabling them, and the allocator redeeming them in
// bookings.create — discounts, uses, contingents. The public check, its rate limits and codes
// outside their window are in vouchers.check.test.ts.

const DAY = 86_400_000;
const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
const GENERATED = /^[abcdefghjkmnpqrstuvwxyz23456789]{12}$/;

describe('vouchers', () => {
  let app: TestApp;
  let owner: SignedUp;
  let viewer: SignedUp;
  let buyer: SignedUp;
  let outsider: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    [owner, viewer, buyer, outsider] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp({ role: 'organizer' }),
    ]);
    const first = await owner.client.events.create.mutate(eventInput());
    await joinOrganization(app, owner, first.organizationId, viewer, 'viewer');
  });
  afterAll(async () => app?.close());

  async function published(overrides: Partial<EventInput> = {}): Promise<Event> {
    const draft = await owner.client.events.create.mutate(eventInput(overrides));
    return owner.client.events.publish.mutate({ id: draft.id });
  }

  const inventoryVersion = async (eventId: string) =>
    (
      await app.db.handle.db
        .selectFrom('event_inventory')
        .select('version')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow()
    ).version;

  const generalAdmission = async (eventId: string) =>
    (
      await app.db.handle.db
        .selectFrom('ticket_types')
        .select('id')
        .where('event_id', '=', eventId)
        .executeTakeFirstOrThrow()
    ).id;

  const listed = async (eventId: string, code: string): Promise<Voucher | undefined> =>
    (await owner.client.vouchers.list.query({ eventId, q: code })).items.find(
      (v) => v.code === code,
    );

  it('creates a code of one’s own (lower-cased, unique per event) and refuses a duplicate', async () => {
    const event = await published();
    const [voucher, ...more] = await owner.client.vouchers.create.mutate({
      eventId: event.id,
      code: 'Summer-Sale',
      maxUses: 3,
      effect: { kind: 'amount', amountCents: 500 },
    });
    expect(more).toEqual([]);
    expect(voucher).toEqual({
      id: expect.any(String),
      eventId: event.id,
      code: 'summer-sale',
      maxUses: 3,
      used: 0,
      validFrom: null,
      validUntil: null,
      effect: { kind: 'amount', amountCents: 500 },
      ticketTypeIds: [],
      unlocksHidden: false,
      reserved: 0,
      disabled: false,
      version: 1,
      createdAt: expect.any(String),
    });
    const duplicate = await expectAppCode(
      owner.client.vouchers.create.mutate({
        eventId: event.id,
        code: 'SUMMER-SALE',
        effect: { kind: 'none' },
      }),
      'VALIDATION_FAILED',
    );
    expect(duplicate.zodIssues?.map((i) => i.path)).toEqual([['code']]);
    // The same code at another event is another voucher.
    const other = await published();
    await owner.client.vouchers.create.mutate({
      eventId: other.id,
      code: 'summer-sale',
      effect: { kind: 'none' },
    });
    const bulkWithCode = await expectAppCode(
      owner.client.vouchers.create.mutate({
        eventId: event.id,
        code: 'two-of-me',
        count: 2,
        effect: { kind: 'none' },
      }),
      'VALIDATION_FAILED',
    );
    expect(bulkWithCode.zodIssues?.map((i) => i.path)).toEqual([['code']]);
    const audit = await app.db.handle.db
      .selectFrom('audit_log')
      .select(['action', 'actor_id'])
      .where('entity', '=', 'voucher')
      .where('entity_id', '=', voucher?.id ?? '')
      .execute();
    expect(audit).toEqual([{ action: 'created', actor_id: owner.tokens.user.id }]);
  });

  it('generates count distinct random codes, listed newest first in keyset pages', async () => {
    const event = await published();
    const made = await owner.client.vouchers.create.mutate({
      eventId: event.id,
      count: 45,
      maxUses: 2,
      effect: { kind: 'percent', percent: 10 },
    });
    expect(made).toHaveLength(45);
    expect(new Set(made.map((v) => v.code)).size).toBe(45);
    for (const v of made) expect(v.code).toMatch(GENERATED);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await owner.client.vouchers.list.query({ eventId: event.id, limit: 20, cursor });
      seen.push(...page.items.map((v) => v.code));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(made.map((v) => v.code).sort());
    const [one] = made;
    const found = await owner.client.vouchers.list.query({
      eventId: event.id,
      q: one?.code.slice(2, 9).toUpperCase(),
    });
    expect(found.items.map((v) => v.code)).toContain(one?.code);
  });

  it('redeems a generated percent code in bookings.create; uses run out; a cancellation gives its use back', async () => {
    const event = await published({ priceCents: 2_000 });
    const [voucher] = await owner.client.vouchers.create.mutate({
      eventId: event.id,
      effect: { kind: 'percent', percent: 25 },
    });
    const code = voucher?.code ?? '';
    const booking = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      voucherCode: code.toUpperCase(),
    });
    expect(booking).toMatchObject({ totalCents: 1_500, voucherCode: code });
    expect((await listed(event.id, code))?.used).toBe(1);
    await expectAppCode(
      buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1, voucherCode: code }),
      'VOUCHER_EXHAUSTED',
    );
    await buyer.client.bookings.cancel.mutate({ bookingId: booking.id });
    expect((await listed(event.id, code))?.used).toBe(0);
    const again = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      voucherCode: code,
    });
    expect(again.totalCents).toBe(1_500);
  });

  it('disables a voucher: no longer redeemable, its contingent released, disabled again answers the same, no more changes', async () => {
    const event = await published();
    const [voucher] = await owner.client.vouchers.create.mutate({
      eventId: event.id,
      maxUses: 10,
      effect: { kind: 'price', priceCents: 100 },
    });
    const id = voucher?.id ?? '';
    const disabled = await owner.client.vouchers.disable.mutate({ id });
    expect(disabled).toMatchObject({ id, disabled: true, version: 2 });
    expect(await owner.client.vouchers.disable.mutate({ id })).toEqual(disabled);
    await expectAppCode(
      buyer.client.bookings.create.mutate({
        eventId: event.id,
        quantity: 1,
        voucherCode: voucher?.code ?? '',
      }),
      'VOUCHER_INVALID',
    );
    await expectAppCode(
      owner.client.vouchers.update.mutate({ id, patch: { maxUses: 20 } }),
      'INVALID_STATE',
    );
    const actions = await app.db.handle.db
      .selectFrom('audit_log')
      .select('action')
      .where('entity', '=', 'voucher')
      .where('entity_id', '=', id)
      .orderBy('seq')
      .execute();
    expect(actions.map((a) => a.action)).toEqual(['created', 'disabled']);
    // A disabled voucher's contingent goes back on public sale.
    const small = await published({ capacity: 2, priceCents: 0 });
    const [held] = await owner.client.vouchers.create.mutate({
      eventId: small.id,
      reserved: 2,
      validUntil: at(2),
      effect: { kind: 'none' },
    });
    const one = { eventId: small.id, quantity: 1 };
    await expectAppCode(buyer.client.bookings.create.mutate(one), 'SOLD_OUT');
    await owner.client.vouchers.disable.mutate({ id: held?.id ?? '' });
    expect((await buyer.client.bookings.create.mutate(one)).status).toBe('confirmed');
  });

  it('holds a contingent back: with capacity 5 and 3 reserved the public books 2, the holder the rest', async () => {
    const event = await published({ capacity: 5, priceCents: 0, maxPerBooking: 5 });
    await expectAppCode(
      owner.client.vouchers.create.mutate({
        eventId: event.id,
        reserved: 6,
        validUntil: at(2),
        effect: { kind: 'none' },
      }),
      'VALIDATION_FAILED',
    );
    const noEnd = await expectAppCode(
      owner.client.vouchers.create.mutate({
        eventId: event.id,
        reserved: 3,
        effect: { kind: 'none' },
      }),
      'VALIDATION_FAILED',
    );
    expect(noEnd.zodIssues?.map((i) => i.path)).toEqual([['validUntil']]);
    const [contingent] = await owner.client.vouchers.create.mutate({
      eventId: event.id,
      code: 'press-pass',
      reserved: 3,
      validUntil: at(2),
      effect: { kind: 'none' },
    });
    expect(contingent?.reserved).toBe(3);
    const stranger = await app.signUp();
    const publicTwo = await stranger.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 2,
    });
    expect(publicTwo.status).toBe('confirmed');
    await expectAppCode(
      buyer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
      'SOLD_OUT',
    );
    const press = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 3,
      voucherCode: 'press-pass',
    });
    expect(press).toMatchObject({ status: 'confirmed', quantity: 3, voucherCode: 'press-pass' });
    // The contingents of the event cannot hold back more seats than it has.
    const over = await expectAppCode(
      owner.client.vouchers.create.mutate({
        eventId: event.id,
        reserved: 3,
        validUntil: at(2),
        effect: { kind: 'none' },
      }),
      'VALIDATION_FAILED',
    );
    expect(over.zodIssues?.map((i) => i.path)).toEqual([['reserved']]);
  });

  it('updates a voucher under the event’s inventory version: limits, types, window and maxUses never below used', async () => {
    const event = await published({ priceCents: 1_000 });
    const gaId = await generalAdmission(event.id);
    const [voucher] = await owner.client.vouchers.create.mutate({
      eventId: event.id,
      code: 'friends',
      maxUses: 2,
      effect: { kind: 'none' },
    });
    const id = voucher?.id ?? '';
    await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      voucherCode: 'friends',
    });
    // A redemption moves seats, not the voucher's version (its definition's).
    const before = await listed(event.id, 'friends');
    expect(before).toMatchObject({ used: 1, version: voucher?.version });
    const versionBefore = await inventoryVersion(event.id);
    const updated = await owner.client.vouchers.update.mutate({
      id,
      patch: {
        maxUses: 5,
        ticketTypeIds: [gaId, gaId],
        effect: { kind: 'percent', percent: 50 },
        unlocksHidden: true,
        validUntil: at(3),
      },
    });
    expect(updated).toMatchObject({
      id,
      code: 'friends',
      maxUses: 5,
      used: 1,
      ticketTypeIds: [gaId],
      effect: { kind: 'percent', percent: 50 },
      unlocksHidden: true,
      version: (before?.version ?? 0) + 1,
    });
    // The invariant: the change moved the version of the event's inventory row.
    expect(await inventoryVersion(event.id)).toBeGreaterThan(versionBefore);
    // The change is what the allocator sells with next.
    const half = await buyer.client.bookings.create.mutate({
      eventId: event.id,
      quantity: 1,
      voucherCode: 'friends',
    });
    expect(half.totalCents).toBe(500);

    const below = await expectAppCode(
      owner.client.vouchers.update.mutate({ id, patch: { maxUses: 1 } }),
      'CAPACITY_BELOW_BOOKED',
    );
    expect(below.details).toEqual({ used: 2 });
    const foreign = await generalAdmission((await published()).id);
    const notOurs = await expectAppCode(
      owner.client.vouchers.update.mutate({ id, patch: { ticketTypeIds: [gaId, foreign] } }),
      'VALIDATION_FAILED',
    );
    expect(notOurs.zodIssues?.map((i) => i.path)).toEqual([['patch', 'ticketTypeIds', 1]]);
    const window = await expectAppCode(
      owner.client.vouchers.update.mutate({ id, patch: { validFrom: at(4) } }),
      'VALIDATION_FAILED',
    );
    expect(window.zodIssues?.map((i) => i.path)).toEqual([['patch', 'validUntil']]);
    // Back to every type, no end.
    const cleared = await owner.client.vouchers.update.mutate({
      id,
      patch: { ticketTypeIds: [], validUntil: null },
    });
    expect(cleared).toMatchObject({ ticketTypeIds: [], validUntil: null, used: 2 });
    await expectAppCode(
      owner.client.vouchers.update.mutate({ id: randomUUID(), patch: { maxUses: 2 } }),
      'NOT_FOUND',
    );
  });

  it('lets a viewer list but not change; an outsider does not see a draft’s vouchers; a cancelled event’s stay as they are', async () => {
    const draft = await owner.client.events.create.mutate(eventInput());
    const [voucher] = await owner.client.vouchers.create.mutate({
      eventId: draft.id,
      code: 'draft-code',
      effect: { kind: 'none' },
    });
    const page = await viewer.client.vouchers.list.query({ eventId: draft.id });
    expect(page.items.map((v) => v.code)).toEqual(['draft-code']);
    await expectAppCode(
      viewer.client.vouchers.create.mutate({ eventId: draft.id, effect: { kind: 'none' } }),
      'FORBIDDEN',
    );
    await expectAppCode(
      viewer.client.vouchers.disable.mutate({ id: voucher?.id ?? '' }),
      'FORBIDDEN',
    );
    // Every call's refusal is awaited at once: awaited one after another, a batch's later
    // refusals were unhandled rejections for a moment (vitest failed the run on them).
    await Promise.all(
      [
        outsider.client.vouchers.list.query({ eventId: draft.id }),
        outsider.client.vouchers.create.mutate({ eventId: draft.id, effect: { kind: 'none' } }),
        outsider.client.vouchers.update.mutate({ id: voucher?.id ?? '', patch: { maxUses: 9 } }),
        outsider.client.vouchers.disable.mutate({ id: voucher?.id ?? '' }),
      ].map((call) => expectAppCode(call, 'NOT_FOUND')),
    );
    // A published event's vouchers: visible event, not theirs.
    const open = await published();
    await expectAppCode(outsider.client.vouchers.list.query({ eventId: open.id }), 'FORBIDDEN');
    await expectAppCode(app.client().vouchers.list.query({ eventId: open.id }), 'UNAUTHENTICATED');

    await owner.client.events.cancel.mutate({ id: open.id, reason: 'Storm' });
    await expectAppCode(
      owner.client.vouchers.create.mutate({ eventId: open.id, effect: { kind: 'none' } }),
      'INVALID_STATE',
    );
  });
});

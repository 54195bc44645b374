import { describe, expect, it } from 'vitest';
import type { Principal } from '../../kernel/principal.js';
import type { BookingTerms } from '../events/booking-terms.js';
import {
  type BatchDecision,
  type BookingRequest,
  type DecideOptions,
  decideBatch,
} from './allocation-decision.js';
import type { BatchState } from './allocator.repository.js';

// The allocator's rules over a snapshot, with no database: each case is a snapshot, a batch in
// arrival order and what every request gets. (The SQL side — versions, constraints, two API
// processes — is the bookings tests'.)

const EVENT = '11111111-1111-4111-8111-111111111111';
const ORGANIZER = '22222222-2222-4222-8222-222222222222';
const ORGANIZATION = '33333333-3333-4333-8333-333333333333';
const NOW = new Date('2027-03-01T12:00:00.000Z');
const HOUR = 3_600_000;

const terms = (patch: Partial<BookingTerms> = {}): BookingTerms => ({
  eventId: EVENT,
  organizerId: ORGANIZER,
  organizationId: ORGANIZATION,
  title: 'Concert',
  status: 'published',
  priceCents: 2_500,
  currency: 'EUR',
  maxPerBooking: 4,
  maxPerUser: null,
  salesOpenAt: null,
  salesCloseAt: new Date(NOW.getTime() + 24 * HOUR),
  version: 7,
  ...patch,
});

const state = (patch: Partial<BatchState> = {}): BatchState => ({
  terms: terms(),
  inventory: { capacity: 10, confirmed: 3, held: 2, version: 41 },
  waiting: 0,
  owned: new Map(),
  keys: new Map(),
  ...patch,
});

const user = (n: number): Principal => ({
  kind: 'user',
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  role: 'user',
  sessionId: `session-${n}`,
});

const request = (n: number, quantity: number, key?: string, hash = 'h'): BookingRequest => ({
  principal: user(n),
  quantity,
  idempotencyKey: key,
  requestHash: hash,
});

let ids = 0;
const options = (patch: Partial<DecideOptions> = {}): DecideOptions => ({
  now: NOW,
  holdMinutes: 15,
  newId: () => `booking-${++ids}`,
  ...patch,
});

/** Each request's outcome: the booking's quantity and status, or the refusal's code. */
function outcomes(decision: BatchDecision): string[] {
  if (decision.kind === 'forget-keys') return ['forget-keys'];
  return decision.decisions.map((d) =>
    d.ok === true
      ? `${d.row.status} ${d.row.quantity}`
      : d.ok === false
        ? d.error.appCode
        : 'replay',
  );
}

describe('decideBatch', () => {
  it('serves in arrival order while seats last; a request that does not fit does not block smaller ones', () => {
    // 5 seats left.
    const decided = decideBatch(
      EVENT,
      state(),
      [request(1, 3), request(2, 3), request(3, 2), request(4, 1)],
      options(),
    );
    expect(outcomes(decided)).toEqual(['pending 3', 'SOLD_OUT', 'pending 2', 'SOLD_OUT']);
    expect(decided).toMatchObject({
      kind: 'write',
      inventoryVersion: 41,
      eventVersion: 7,
      seats: { confirmed: 0, held: 5 },
    });
  });

  it('confirms a free event at once; holds of a paid one end after holdMinutes, at the sales close at the latest', () => {
    const free = decideBatch(
      EVENT,
      state({ terms: terms({ priceCents: 0 }) }),
      [request(1, 2)],
      options(),
    );
    expect(free).toMatchObject({ kind: 'write', seats: { confirmed: 2, held: 0 } });
    if (free.kind !== 'write') throw new Error('a write');
    expect(free.bookings[0]).toMatchObject({
      status: 'confirmed',
      confirmed_at: NOW,
      expires_at: null,
      total_cents: '0',
    });

    const closing = new Date(NOW.getTime() + 5 * 60_000);
    const paid = decideBatch(
      EVENT,
      state({ terms: terms({ salesCloseAt: closing }) }),
      [request(1, 2)],
      options(),
    );
    if (paid.kind !== 'write') throw new Error('a write');
    expect(paid.bookings[0]).toMatchObject({
      status: 'pending',
      expires_at: closing,
      total_cents: '5000',
      unit_price_cents: '2500',
    });
    const long = decideBatch(EVENT, state(), [request(1, 1)], options());
    if (long.kind !== 'write') throw new Error('a write');
    expect(long.bookings[0]?.expires_at).toEqual(new Date(NOW.getTime() + 15 * 60_000));
  });

  it('refuses more than maxPerBooking, and past maxPerUser counting what the user has and books in this batch', () => {
    const decided = decideBatch(
      EVENT,
      state({
        terms: terms({ maxPerUser: 3 }),
        inventory: { capacity: 100, confirmed: 0, held: 0, version: 1 },
        owned: new Map([[user(1).userId, 1]]),
      }),
      [request(2, 5), request(1, 2), request(1, 1), request(2, 3)],
      options(),
    );
    expect(outcomes(decided)).toEqual([
      'QUANTITY_LIMIT_EXCEEDED',
      'pending 2',
      'QUANTITY_LIMIT_EXCEEDED',
      'pending 3',
    ]);
    if (decided.kind !== 'write') throw new Error('a write');
    expect(decided.decisions[2]).toMatchObject({
      error: { details: { maxPerUser: 3, alreadyBooked: 3 } },
    });
  });

  it('is sold out for direct bookings while anyone waits on the waitlist', () => {
    const decided = decideBatch(EVENT, state({ waiting: 1 }), [request(1, 1)], options());
    expect(decided).toMatchObject({ kind: 'answer' });
    expect(outcomes(decided)).toEqual(['SOLD_OUT']);
    if (decided.kind !== 'answer') throw new Error('an answer');
    expect(decided.decisions[0]).toMatchObject({ error: { details: { available: 0 } } });
  });

  it('refuses an event not on sale: a draft as NOT_FOUND but to admins, a closed sale as not bookable', () => {
    // Organization roles are not part of the snapshot (the service re-asks with them for a draft
    // it was refused: its members get EVENT_NOT_BOOKABLE there, bookings.access.test.ts).
    const draft = state({ terms: terms({ status: 'draft' }) });
    expect(outcomes(decideBatch(EVENT, draft, [request(1, 1)], options()))).toEqual(['NOT_FOUND']);
    const creator: BookingRequest = {
      ...request(1, 1),
      principal: { ...user(1), userId: ORGANIZER, role: 'organizer' },
    };
    expect(outcomes(decideBatch(EVENT, draft, [creator], options()))).toEqual(['NOT_FOUND']);
    const admin: BookingRequest = { ...request(1, 1), principal: { ...user(1), role: 'admin' } };
    expect(outcomes(decideBatch(EVENT, draft, [admin], options()))).toEqual(['EVENT_NOT_BOOKABLE']);
    const closed = state({ terms: terms({ salesCloseAt: NOW }) });
    expect(outcomes(decideBatch(EVENT, closed, [request(1, 1)], options()))).toEqual([
      'EVENT_NOT_BOOKABLE',
    ]);
    const notYet = state({ terms: terms({ salesOpenAt: new Date(NOW.getTime() + 1) }) });
    expect(outcomes(decideBatch(EVENT, notYet, [request(1, 1)], options()))).toEqual([
      'EVENT_NOT_BOOKABLE',
    ]);
    expect(outcomes(decideBatch(EVENT, undefined, [request(1, 1)], options()))).toEqual([
      'NOT_FOUND',
    ]);
  });

  it('replays a key on record, refuses it with other parameters, and answers a key repeated in the batch like its first use', () => {
    const u1 = user(1).userId;
    const decided = decideBatch(
      EVENT,
      state({
        keys: new Map([
          [`${u1}:k-old`, { requestHash: 'h', resultId: 'booking-before', live: true }],
        ]),
      }),
      [
        request(1, 1, 'k-old'),
        request(1, 1, 'k-old', 'other'),
        request(1, 2, 'k-new'),
        request(1, 2, 'k-new'),
        request(1, 1, 'k-new', 'other'),
      ],
      options(),
    );
    expect(outcomes(decided)).toEqual([
      'replay',
      'IDEMPOTENCY_KEY_REUSED',
      'pending 2',
      'pending 2',
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    if (decided.kind !== 'write') throw new Error('a write');
    expect(decided.decisions[0]).toEqual({ ok: 'replay', bookingId: 'booking-before' });
    // One booking and one key for the repeated key.
    expect(decided.bookings).toHaveLength(1);
    expect(decided.decisions[3]).toBe(decided.decisions[2]);
    expect(decided.keys).toEqual([
      {
        userId: u1,
        scope: 'bookings.create',
        key: 'k-new',
        requestHash: 'h',
        resultId: decided.bookings[0]?.id,
      },
    ]);
  });

  it('asks for keys past their 24 h to be forgotten before deciding anything', () => {
    const u1 = user(1).userId;
    const decided = decideBatch(
      EVENT,
      state({ keys: new Map([[`${u1}:k`, { requestHash: 'h', resultId: 'old', live: false }]]) }),
      [request(2, 1), request(1, 1, 'k')],
      options(),
    );
    expect(decided).toEqual({ kind: 'forget-keys', keys: [{ userId: u1, key: 'k' }] });
  });

  it('decides the same way every time for the same snapshot and batch (no state of its own)', () => {
    const snapshot = state({ owned: new Map([[user(1).userId, 0]]) });
    const batch = [request(1, 2), request(2, 2), request(3, 2)];
    const first = decideBatch(EVENT, snapshot, batch, options({ newId: () => 'x' }));
    const second = decideBatch(EVENT, snapshot, batch, options({ newId: () => 'x' }));
    expect(second).toEqual(first);
    // The snapshot's own maps are left as they were.
    expect(snapshot.owned.get(user(1).userId)).toBe(0);
  });
});

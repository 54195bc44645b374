import { describe, expect, it } from 'vitest';
import { formatUtc } from '../src/modules/notifications/mail/format-instant.js';
import { expectAppCode } from './app-error.js';
import { JOINED_SUBJECT, OFFER_SUBJECT, useWaitlist } from './waitlist.fixtures.js';

/** The offer lifetime of this file's app (WAITLIST_OFFER_MINUTES=0.05). */
const OFFER_MS = 3_000;

// Offers that lapse: an app whose offers live 3 s, with the worker's exact expiry jobs running.
describe('waitlist: offers that lapse', () => {
  const waitlist = useWaitlist({
    queuers: 2,
    name: (i) => (i === 0 ? 'First <in> line' : `Queuer ${i}`),
    app: { bookings: { holdMinutes: 15, offerMinutes: OFFER_MS / 60_000 } },
  });
  const { publishedEvent, entryOf, inventory, mailsSettled, mailsTo } = waitlist;

  it('passes a lapsed offer on to the next entry, then frees the seat when nobody waits', async () => {
    const { app, holder, user } = waitlist.cast();
    const [first, second] = [user(0), user(1)];
    const event = await publishedEvent({ capacity: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const a = await first.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    const b = await second.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    const beforeCancel = Date.now();
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    const afterCancel = Date.now();

    // The offer was made during the cancel, for the offer lifetime (3 s): bracketed by the
    // clock around the call, whatever the machine's load.
    const offerA = await entryOf(first, event.id);
    expect(offerA.status).toBe('offered');
    const offerExpiresAt = new Date(offerA.offerExpiresAt ?? 0).getTime();
    expect(offerExpiresAt).toBeGreaterThanOrEqual(beforeCancel + OFFER_MS);
    expect(offerExpiresAt).toBeLessThanOrEqual(afterCancel + OFFER_MS);

    await expect
      .poll(async () => (await entryOf(first, event.id)).status, { timeout: 30_000, interval: 50 })
      .toBe('expired');
    expect(
      (await first.client.bookings.get.query({ bookingId: offerA.offerBookingId ?? '' })).status,
    ).toBe('expired');
    // The lapse passed the seat on at once: the next entry got an offer of its own (which may
    // itself have lapsed by now on a busy machine — its lifetime is only 3 s).
    const offerB = await entryOf(second, event.id);
    expect(offerB.id).toBe(b.id);
    expect(['offered', 'expired']).toContain(offerB.status);
    expect(offerB.offerBookingId).not.toBeNull();
    expect(offerB.offerBookingId).not.toBe(offerA.offerBookingId);
    // One snapshot: the seat is held exactly while that offer is pending.
    const { held, offerStatus } = await app.db.handle.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => ({
        held: (
          await trx
            .selectFrom('event_inventory')
            .select('held')
            .where('event_id', '=', event.id)
            .executeTakeFirstOrThrow()
        ).held,
        offerStatus: (
          await trx
            .selectFrom('bookings')
            .select('status')
            .where('id', '=', offerB.offerBookingId ?? '')
            .executeTakeFirstOrThrow()
        ).status,
      }));
    expect(held).toBe(offerStatus === 'pending' ? 1 : 0);
    // A lapsed entry is over: it neither counts as waiting nor can be left.
    expect(await entryOf(first, event.id)).toMatchObject({ status: 'expired', position: null });
    await expectAppCode(
      first.client.bookings.waitlist.leave.mutate({ entryId: a.id }),
      'INVALID_STATE',
    );

    await expect
      .poll(async () => (await entryOf(second, event.id)).status, { timeout: 30_000, interval: 50 })
      .toBe('expired');
    expect(await inventory(event.id)).toEqual({ capacity: 1, confirmed: 0, held: 0 });
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 1,
      waitlistLength: 0,
      soldOut: false,
    });
    await expectAppCode(
      second.client.bookings.confirm.mutate({ bookingId: offerB.offerBookingId ?? '' }),
      'BOOKING_EXPIRED',
    );

    // Each of them: one joined mail, one offer with its deadline, one lapse — exactly once.
    await mailsSettled();
    for (const [u, entry] of [
      [first, offerA],
      [second, offerB],
    ] as const) {
      expect(mailsTo(u, JOINED_SUBJECT)).toHaveLength(1);
      const offers = mailsTo(u, OFFER_SUBJECT);
      expect(offers).toHaveLength(1);
      const deadline = entry.offerExpiresAt ?? '';
      expect(offers[0]?.text).toContain(`before ${formatUtc(deadline)} (${deadline})`);
      const lapsed = mailsTo(u, 'Your Evently hold has expired');
      expect(lapsed).toHaveLength(1);
      expect(lapsed[0]?.text).toContain(`Booking: ${entry.offerBookingId}`);
    }
    expect(mailsTo(first, OFFER_SUBJECT)[0]?.html).toContain('Hello First &lt;in&gt; line,');
  });
});

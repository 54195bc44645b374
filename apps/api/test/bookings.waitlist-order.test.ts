import { randomUUID } from 'node:crypto';
import type { WaitlistEntry } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { formatUtc } from '../src/modules/notifications/mail/format-instant.js';
import { expectAppCode } from './app-error.js';
import { payFor } from './payments.js';
import { JOINED_SUBJECT, OFFER_SUBJECT, useWaitlist } from './waitlist.fixtures.js';

const QUEUE_SIZE = 15;

// The waitlist's order over HTTP through the SDK (Postgres, Redis, the worker, SMTP): freed seats
// go to the head of the queue, one entry at a time, and everyone sees their live place in line.
describe('waitlist: queue order and places in line', () => {
  const waitlist = useWaitlist({ queuers: QUEUE_SIZE });
  const { publishedEvent, draftEvent, entryOf, queueOf, inventory, mailsSettled, mailsTo } =
    waitlist;

  it('offers freed seats strictly in join order after concurrent joins, one seat at a time', async () => {
    const { app, organizer, holder, user, users } = waitlist.cast();
    const event = await publishedEvent({ capacity: 1, maxPerBooking: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const joined = await Promise.all(
      users.map((u) => u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 })),
    );
    expect(joined.every((e) => e.status === 'waiting')).toBe(true);

    // The join order is the order the server serialised the concurrent joins in: the queue as
    // the organizer sees it. Every joiner's live position agrees with it.
    const queue = await queueOf(event.id);
    const order = queue.map((e) => e.id);
    expect(new Set(order)).toEqual(new Set(joined.map((e) => e.id)));
    expect(queue.map((e) => e.position)).toEqual(order.map((_, i) => i + 1));
    const ownerOf = new Map(joined.map((e, i) => [e.id, user(i)]));
    for (const [i, entryId] of order.entries()) {
      const owner = ownerOf.get(entryId);
      if (!owner) throw new Error('owner expected');
      expect(await entryOf(owner, event.id)).toMatchObject({ id: entryId, position: i + 1 });
    }
    expect(await app.client().bookings.availability.query({ eventId: event.id })).toMatchObject({
      available: 0,
      waitlistLength: QUEUE_SIZE,
      soldOut: true,
    });

    // Free the one seat again and again, each time another way; it must go to the next entry.
    let seatOwner = holder;
    let seatBooking = hold;
    const deadlines = new Map<string, string>();
    for (const [i, entryId] of order.entries()) {
      const way = i === 0 ? 'cancel' : (['cancel', 'pay-then-cancel', 'leave'] as const)[i % 3];
      if (way === 'cancel') {
        await seatOwner.client.bookings.cancel.mutate({ bookingId: seatBooking.id });
      } else if (way === 'pay-then-cancel') {
        // Confirmed by its payment (the organizer marks it), then cancelled by its owner.
        await payFor(organizer.client, seatBooking);
        await seatOwner.client.bookings.cancel.mutate({ bookingId: seatBooking.id });
      } else {
        const mine = await entryOf(seatOwner, event.id);
        await seatOwner.client.bookings.waitlist.leave.mutate({ entryId: mine.id });
      }

      const now = await queueOf(event.id);
      const offered = now.filter((e) => e.status === 'offered');
      expect(
        offered.map((e) => e.id),
        `round ${i} (${way})`,
      ).toEqual([entryId]);
      const waiting = now.filter((e) => e.status === 'waiting');
      expect(waiting.map((e) => e.id)).toEqual(order.slice(i + 1));
      expect(waiting.map((e) => e.position)).toEqual(waiting.map((_, k) => k + 1));

      const next = ownerOf.get(entryId);
      if (!next) throw new Error('owner expected');
      const entry = await entryOf(next, event.id);
      expect(entry).toMatchObject({ status: 'offered', position: null });
      const offer = await next.client.bookings.get.query({ bookingId: entry.offerBookingId ?? '' });
      expect(offer).toMatchObject({ status: 'pending', quantity: 1, waitlistEntryId: entryId });
      expect(offer.expiresAt).toBe(entry.offerExpiresAt);
      expect(await inventory(event.id)).toEqual({ capacity: 1, confirmed: 0, held: 1 });
      deadlines.set(entryId, offer.expiresAt ?? '');
      seatOwner = next;
      seatBooking = offer;
    }

    // Each joiner was mailed once that they joined and once with their offer and its deadline.
    await mailsSettled();
    for (const [entryId, u] of ownerOf) {
      expect(mailsTo(u, JOINED_SUBJECT)).toHaveLength(1);
      const offers = mailsTo(u, OFFER_SUBJECT);
      expect(offers).toHaveLength(1);
      const deadline = deadlines.get(entryId) ?? '';
      expect(offers[0]?.text).toContain(`before ${formatUtc(deadline)} (${deadline})`);
      expect(offers[0]?.html).toContain(`<time datetime="${deadline}">`);
      expect(offers[0]?.html).toContain('&lt;');
      expect(offers[0]?.html).not.toContain(event.title);
    }
  });

  it('keeps freed seats for a group entry at the head until there are enough for it', async () => {
    const { app, organizer, holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 4 });
    const holds = [];
    for (let i = 0; i < 4; i++) {
      holds.push(await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }));
    }
    const [group, single, newcomer] = [user(0), user(1), user(2)];
    const head = await group.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 3,
    });
    const behind = await single.client.bookings.waitlist.join.mutate({
      eventId: event.id,
      quantity: 1,
    });

    for (const [freed, hold] of holds.slice(0, 2).entries()) {
      await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
      // The head needs 3: no offer to it, none to the smaller entry behind it either.
      expect((await queueOf(event.id)).map((e) => [e.id, e.status, e.position])).toEqual([
        [head.id, 'waiting', 1],
        [behind.id, 'waiting', 2],
      ]);
      expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 3 - freed });
      expect(await app.client().bookings.availability.query({ eventId: event.id })).toEqual({
        capacity: 4,
        confirmed: 0,
        held: 3 - freed,
        available: freed + 1,
        waitlistLength: 2,
        soldOut: true,
        // Its one type's line: kept for the head, nothing for a newcomer.
        ticketTypes: [
          { ticketTypeId: expect.any(String), available: 0, soldOut: true, waiting: 2 },
        ],
      });
      // The free seats are the queue's: a direct booking is refused, and nothing is taken.
      await expectAppCode(
        newcomer.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }),
        'SOLD_OUT',
      );
      expect((await inventory(event.id)).held).toBe(3 - freed);
    }

    const [, , third, fourth] = holds;
    await holder.client.bookings.cancel.mutate({ bookingId: third?.id ?? '' });
    const offered = await entryOf(group, event.id);
    expect(offered).toMatchObject({ id: head.id, status: 'offered' });
    const offer = await group.client.bookings.get.query({
      bookingId: offered.offerBookingId ?? '',
    });
    expect(offer).toMatchObject({ status: 'pending', quantity: 3, totalCents: 3000 });
    expect(await entryOf(single, event.id)).toMatchObject({ status: 'waiting', position: 1 });
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 0, held: 4 });

    await holder.client.bookings.cancel.mutate({ bookingId: fourth?.id ?? '' });
    expect(await entryOf(single, event.id)).toMatchObject({ status: 'offered', position: null });
    await payFor(organizer.client, offer);
    expect(await entryOf(group, event.id)).toMatchObject({ status: 'converted' });
    expect(await inventory(event.id)).toEqual({ capacity: 4, confirmed: 3, held: 1 });
  });

  it('shows live positions in waitlist.mine as entries ahead leave or get offers', async () => {
    const { holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const queue = [user(0), user(1), user(2), user(3)];
    for (const u of queue) {
      await u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    }
    const positions = async () =>
      Promise.all(queue.map(async (u) => (await entryOf(u, event.id)).position));
    expect(await positions()).toEqual([1, 2, 3, 4]);
    const second = await entryOf(user(1), event.id);
    await user(1).client.bookings.waitlist.leave.mutate({ entryId: second.id });
    expect(await positions()).toEqual([1, null, 2, 3]);
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    expect(await positions()).toEqual([null, null, 1, 2]);
    // Entries of other events do not count, and mine lists every event's entry of the caller.
    const mine = await user(2).client.bookings.waitlist.mine.query();
    expect(mine.filter((e) => e.eventId === event.id)).toHaveLength(1);
    expect(mine.every((e) => e.userId === user(2).tokens.user.id)).toBe(true);
  });

  it('answers a join with the joiner’s live place in line, on a replay of its key too', async () => {
    const { holder, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 1 });
    const hold = await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const [a, b] = [user(9), user(10)];
    const key = `join-${randomUUID()}`;
    const joinB = () =>
      b.client.bookings.waitlist.join.mutate({
        eventId: event.id,
        quantity: 1,
        idempotencyKey: key,
      });
    const first = await a.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    expect(first).toMatchObject({ status: 'waiting', position: 1 });
    const second = await joinB();
    expect(second).toMatchObject({ status: 'waiting', position: 2 });
    // The replay answers with the place as it is now, not as it was.
    await a.client.bookings.waitlist.leave.mutate({ entryId: first.id });
    expect(await joinB()).toMatchObject({ id: second.id, status: 'waiting', position: 1 });
    await holder.client.bookings.cancel.mutate({ bookingId: hold.id });
    expect(await joinB()).toMatchObject({ id: second.id, status: 'offered', position: null });
  });

  it('shows the queue to its organizer and an admin only, positions across pages', async () => {
    const { app, organizer, holder, outsider, user } = waitlist.cast();
    const event = await publishedEvent({ capacity: 1 });
    await holder.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    const queue = [user(4), user(5), user(6), user(7), user(8)];
    const entries = [];
    for (const u of queue) {
      entries.push(
        await u.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 }),
      );
    }
    await user(5).client.bookings.waitlist.leave.mutate({ entryId: entries[1]?.id ?? '' });

    const seen: WaitlistEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: WaitlistEntry[]; nextCursor: string | null } =
        await organizer.client.bookings.waitlist.forEvent.query({
          eventId: event.id,
          limit: 2,
          cursor,
        });
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((e) => e.id)).toEqual(entries.map((e) => e.id));
    expect(seen.map((e) => [e.status, e.position])).toEqual([
      ['waiting', 1],
      ['left', null],
      ['waiting', 2],
      ['waiting', 3],
      ['waiting', 4],
    ]);
    expect(seen.map((e) => e.userId)).toEqual(queue.map((u) => u.tokens.user.id));

    const admin = await app.admin();
    const asAdmin = await admin.client.bookings.waitlist.forEvent.query({
      eventId: event.id,
      limit: 100,
    });
    expect(asAdmin.items).toHaveLength(5);
    await expectAppCode(
      user(4).client.bookings.waitlist.forEvent.query({ eventId: event.id, limit: 10 }),
      'FORBIDDEN',
    );
    await expectAppCode(
      outsider.client.bookings.waitlist.forEvent.query({ eventId: randomUUID(), limit: 10 }),
      'NOT_FOUND',
    );
    const otherOrganizer = await app.signUp({ role: 'organizer' });
    const draft = await draftEvent();
    await expectAppCode(
      otherOrganizer.client.bookings.waitlist.forEvent.query({ eventId: draft.id, limit: 10 }),
      'NOT_FOUND',
    );
    await expectAppCode(
      otherOrganizer.client.bookings.waitlist.forEvent.query({ eventId: event.id, limit: 10 }),
      'FORBIDDEN',
    );
  });
});

import { randomUUID } from 'node:crypto';
import type { EventInput, WaitlistEntry } from '@evently/contracts';
import { afterAll, beforeAll } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp, type TestAppOptions } from './harness.js';
import { mailsSettled } from './mails-settled.js';

export const OFFER_SUBJECT = 'Seats are waiting for you on Evently';
export const JOINED_SUBJECT = 'You are on the Evently waitlist';

/** The people of a waitlist test: the queue waits for the holder's seats. */
export interface WaitlistCast {
  app: TestApp;
  organizer: SignedUp;
  /** Takes the seats the queue then waits for. */
  holder: SignedUp;
  /** Someone else with bookings of their own. */
  outsider: SignedUp;
  /** Everyone who may queue, in sign-up order. */
  users: SignedUp[];
  user(i: number): SignedUp;
}

/**
 * Registers, in the calling describe, an app of its own with an organizer, a holder, an outsider
 * and `queuers` users, and answers the probes every waitlist test uses over that app.
 */
export function useWaitlist(options: {
  queuers: number;
  /** A queuer's display name (default `Queuer <i>`). */
  name?: (i: number) => string;
  app?: TestAppOptions;
}) {
  let cast: WaitlistCast | undefined;
  const name = options.name ?? ((i: number) => `Queuer ${i}`);

  beforeAll(async () => {
    const app = await startTestApp(options.app);
    const [organizer, holder, outsider] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
    // In small groups: each sign-up waits on the SMTP sink for its code.
    const users: SignedUp[] = [];
    for (let i = 0; i < options.queuers; i += 5) {
      const group = Array.from({ length: Math.min(5, options.queuers - i) }, (_, k) =>
        app.signUp({ name: name(i + k) }),
      );
      users.push(...(await Promise.all(group)));
    }
    const user = (i: number): SignedUp => {
      const u = users[i];
      if (!u) throw new Error(`no user ${i}`);
      return u;
    };
    cast = { app, organizer, holder, outsider, users, user };
  });
  afterAll(async () => cast?.app.close());

  const get = (): WaitlistCast => {
    if (!cast) throw new Error('the cast signs up in beforeAll');
    return cast;
  };

  /** A published event (one seat unless told) whose title HTML-escapes in mails. */
  async function publishedEvent(overrides: Partial<EventInput> = {}) {
    const { organizer } = get();
    const event = await organizer.client.events.create.mutate(
      eventInput({
        title: `Queue <${randomUUID().slice(0, 6)}> & "friends"`,
        capacity: 1,
        priceCents: 1000,
        // At most the capacity (the events module refuses more).
        maxPerBooking: Math.min(4, overrides.capacity ?? 1),
        ...overrides,
      }),
    );
    return organizer.client.events.publish.mutate({ id: event.id });
  }

  /** An unpublished event of the organizer's: nobody else may know it exists. */
  function draftEvent() {
    return get().organizer.client.events.create.mutate(
      eventInput({ title: 'Draft', capacity: 5, priceCents: 0, maxPerBooking: 2 }),
    );
  }

  /** The caller's entry for the event, with its live position. */
  async function entryOf(user: SignedUp, eventId: string): Promise<WaitlistEntry> {
    const entry = (await user.client.bookings.waitlist.mine.query()).find(
      (e) => e.eventId === eventId,
    );
    if (!entry) throw new Error(`${user.email} has no entry for ${eventId}`);
    return entry;
  }

  /** The organizer's view of the whole queue, in join order. */
  async function queueOf(eventId: string): Promise<WaitlistEntry[]> {
    const page = await get().organizer.client.bookings.waitlist.forEvent.query({
      eventId,
      limit: 100,
    });
    return page.items;
  }

  const inventory = (eventId: string) =>
    get()
      .app.db.handle.db.selectFrom('event_inventory')
      .select(['capacity', 'confirmed', 'held'])
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();

  const mailsTo = (user: SignedUp, subject: string) =>
    get().app.smtp.messages.filter(
      (m) => m.envelopeTo.includes(user.email) && m.subject === subject,
    );

  return {
    cast: get,
    publishedEvent,
    draftEvent,
    entryOf,
    queueOf,
    inventory,
    /** Counting mails after this is exact (see mails-settled.ts). */
    mailsSettled: () => mailsSettled(get().app.db.handle.db),
    mailsTo,
  };
}

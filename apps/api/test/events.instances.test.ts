import { randomUUID } from 'node:crypto';
import type { Event } from '@evently/contracts';
import { deferred } from '@evently/platform/testing';
import type { EventlyClient } from '@evently/sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp, type TestInstance } from './harness.js';

// Two API instances on one database and one Redis prefix, each with its own in-process LRU in
// front of Redis: a write that has returned on one instance is never hidden by the other's cache.
const ROUNDS = 200;
const ROUNDS_TIMEOUT_MS = 300_000;

/** An event starting in its own millisecond (the lists below filter down to it). */
const eventNamed = (title: string) =>
  eventInput({ title, description: 'Two instances, one truth', venue: 'Hall 1', priceCents: 0 });

interface Side {
  name: string;
  /** The organizer's client on this instance. */
  organizer: EventlyClient;
  /** An anonymous client on this instance. */
  anonymous: EventlyClient;
}

describe('events read cache across two API instances', () => {
  let app: TestApp;
  let second: TestInstance;
  let organizer: SignedUp;
  let stranger: SignedUp;
  let a: Side;
  let b: Side;

  beforeAll(async () => {
    app = await startTestApp();
    second = await app.startInstance();
    organizer = await app.signUp({ role: 'organizer' });
    stranger = await app.signUp();
    const token = organizer.tokens.accessToken;
    a = { name: 'A', organizer: app.client(token), anonymous: app.client() };
    b = { name: 'B', organizer: second.client(token), anonymous: second.client() };
  });
  afterAll(async () => app?.close());

  /** A public list filtered down to this one event (it starts in its own millisecond). */
  const listOf = (side: Side, event: Event) =>
    side.anonymous.events.list.query({
      organizerId: event.organizerId,
      from: event.startsAt,
      to: new Date(new Date(event.startsAt).getTime() + 1).toISOString(),
    });

  /**
   * Updates through `writer` and reads through `reader` right after, ROUNDS times. The reader's
   * anonymous reads are mostly answered from memory (cache/public-answers.ts): those are checked
   * here too.
   */
  async function neverStale(writer: Side, reader: Side): Promise<void> {
    const readerAnswers = (reader === a ? app.services : second.services).publicAnswers;
    const hitsBefore = readerAnswers.stats().hits;
    let event = await a.organizer.events.create.mutate(eventNamed(`${writer.name} round 0`));
    event = await a.organizer.events.publish.mutate({ id: event.id });

    for (let round = 1; round <= ROUNDS; round += 1) {
      // Warm the reader's caches (L1 and Redis) with the current version first.
      expect((await reader.anonymous.events.get.query({ id: event.id })).version).toBe(
        event.version,
      );
      expect((await listOf(reader, event)).items.map((e) => e.version)).toEqual([event.version]);

      const title = `${writer.name}->${reader.name} ${round} ${randomUUID()}`;
      const updated = await writer.organizer.events.update.mutate({
        id: event.id,
        expectedVersion: event.version,
        patch: { title },
      });
      expect(updated).toMatchObject({ title, version: event.version + 1 });

      const [got, page] = await Promise.all([
        reader.anonymous.events.get.query({ id: event.id }),
        listOf(reader, event),
      ]);
      expect({ round, title: got.title, version: got.version }).toEqual({
        round,
        title,
        version: updated.version,
      });
      expect({ round, items: page.items.map((e) => [e.id, e.title, e.version]) }).toEqual({
        round,
        items: [[event.id, title, updated.version]],
      });
      event = updated;
    }
    // Each round's warm-up reads (two) find the answers kept by the previous round's checks,
    // unless a second passed in between (a kept answer's availability ages out).
    expect(readerAnswers.stats().hits - hitsBefore).toBeGreaterThanOrEqual(ROUNDS / 2);
  }

  // 1,200 calls each: 13 s on a quiet machine, over the default 60 s beside a flash sale. A
  // timed-out round loop runs on and bumps the list scope under the control test below.
  it(
    `an update through A is seen through B right after it returns (${ROUNDS} times)`,
    async () => {
      await neverStale(a, b);
    },
    ROUNDS_TIMEOUT_MS,
  );

  it(
    `an update through B is seen through A right after it returns (${ROUNDS} times)`,
    async () => {
      await neverStale(b, a);
    },
    ROUNDS_TIMEOUT_MS,
  );

  it('a read through B while a write through A is in flight (generation bumped, not committed) is retired at commit', async () => {
    const created = await a.organizer.events.create.mutate(eventNamed('before the write'));
    const event = await a.organizer.events.publish.mutate({ id: created.id });
    const db = app.db.handle.db;

    // Hold the event's row: A's update bumps the generations, opens its transaction and waits
    // on this lock in its SELECT ... FOR UPDATE — in flight, deterministically, until released.
    const release = deferred<void>();
    const locked = deferred<void>();
    const holder = db.transaction().execute(async (trx) => {
      await sql`SELECT 1 FROM events WHERE id = ${event.id} FOR UPDATE`.execute(trx);
      locked.resolve();
      await release.promise;
    });
    await locked.promise;
    const writing = a.organizer.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { title: 'after the write' },
    });
    const waitingOnTheRow = async () => {
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'
          AND query LIKE '%"events"%for update%'`.execute(db);
      return Number(rows[0]?.n);
    };
    await expect.poll(waitingOnTheRow, { timeout: 30_000, interval: 20 }).toBe(1);

    // B reads meanwhile: the old row (not committed), stamped with the bumped generation.
    expect((await b.anonymous.events.get.query({ id: event.id })).title).toBe('before the write');
    expect((await listOf(b, event)).items[0]?.title).toBe('before the write');

    release.resolve();
    await holder;
    const updated = await writing;
    expect(updated.title).toBe('after the write');
    // Right after the write returned, B must not serve what it cached while it was in flight.
    expect((await b.anonymous.events.get.query({ id: event.id })).title).toBe('after the write');
    expect((await listOf(b, event)).items[0]?.title).toBe('after the write');
  });

  it('the reader really serves from its cache: a change that bypasses the service stays hidden', async () => {
    // The control for the tests above: without it they would also pass with no cache at all.
    const created = await a.organizer.events.create.mutate(eventNamed('cached title'));
    const event = await a.organizer.events.publish.mutate({ id: created.id });
    expect((await b.anonymous.events.get.query({ id: event.id })).title).toBe('cached title');
    expect((await listOf(b, event)).items[0]?.title).toBe('cached title');

    await sql`UPDATE events SET title = 'changed behind the cache' WHERE id = ${event.id}`.execute(
      app.db.handle.db,
    );
    expect((await b.anonymous.events.get.query({ id: event.id })).title).toBe('cached title');
    expect((await listOf(b, event)).items[0]?.title).toBe('cached title');

    // Any write through the service retires both instances' copies.
    const updated = await a.organizer.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { venue: 'Hall 2' },
    });
    expect(updated.title).toBe('changed behind the cache');
    expect((await b.anonymous.events.get.query({ id: event.id })).title).toBe(
      'changed behind the cache',
    );
  });

  it('a draft is never visible to a stranger through either instance, even with its owner’s reads cached', async () => {
    const strangers = [
      ...[app, second].map((instance) => instance.client()),
      ...[app, second].map((instance) => instance.client(stranger.tokens.accessToken)),
    ];
    const expectHidden = async (draft: Event) => {
      for (const client of strangers) {
        await expectAppCode(client.events.get.query({ id: draft.id }), 'NOT_FOUND');
        const page = await client.events.list.query({ organizerId: draft.organizerId });
        expect(page.items.map((e) => e.id)).not.toContain(draft.id);
      }
    };

    let draft = await a.organizer.events.create.mutate(eventNamed('secret draft'));
    for (const side of [a, b]) {
      // The owner's reads put the draft in both instances' caches.
      expect((await side.organizer.events.get.query({ id: draft.id })).status).toBe('draft');
      const own = await side.organizer.events.list.query({ organizerId: draft.organizerId });
      expect(own.items.map((e) => e.id)).toContain(draft.id);
    }
    await expectHidden(draft);

    draft = await b.organizer.events.update.mutate({
      id: draft.id,
      expectedVersion: draft.version,
      patch: { title: 'still a secret draft' },
    });
    expect((await a.organizer.events.get.query({ id: draft.id })).title).toBe(
      'still a secret draft',
    );
    await expectHidden(draft);

    // Published through B, it is public through both at once.
    const published = await b.organizer.events.publish.mutate({ id: draft.id });
    for (const client of strangers) {
      expect(await client.events.get.query({ id: draft.id })).toMatchObject({
        status: 'published',
        version: published.version,
      });
    }
  });
});

import { randomUUID } from 'node:crypto';
import type { EventInput } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { useEventsCast } from './events.fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// events.list and events.get for anonymous callers: filters, full-text search, keyset pages; and
// live availability on cached reads for a signed-in one.
describe('events: lists', () => {
  const events = useEventsCast();

  it('filters by time range, status, organizer and full-text query', async () => {
    const { app, organizer, otherOrganizer } = events.cast();
    const tag = randomUUID().slice(0, 8);
    const base = Date.now() + 100 * DAY;
    const at = (days: number) => new Date(base + days * DAY);
    const make = async (title: string, day: number, extra: Partial<EventInput> = {}) => {
      const e = await organizer.client.events.create.mutate(
        eventInput({
          title: `${title} ${tag}`,
          startsAt: at(day).toISOString(),
          endsAt: new Date(at(day).getTime() + HOUR).toISOString(),
          ...extra,
        }),
      );
      await organizer.client.events.publish.mutate({ id: e.id });
      return e;
    };
    const jazz = await make('Jazz night', 1, { venue: 'Blue Note cellar' });
    const opera = await make('Opera gala', 2, { description: 'Verdi and Puccini arias' });
    const rock = await make('Rock show', 3);
    const list = (input: Parameters<typeof organizer.client.events.list.query>[0]) =>
      app
        .client()
        .events.list.query(input)
        .then((p) => p.items.map((e) => e.id));
    expect(await list({ q: tag })).toEqual([jazz.id, opera.id, rock.id]);
    expect(await list({ q: `${tag} jazz` })).toEqual([jazz.id]);
    expect(await list({ q: `${tag} cellar` })).toEqual([jazz.id]);
    expect(await list({ q: `${tag} puccini` })).toEqual([opera.id]);
    expect(await list({ q: tag, from: at(2).toISOString() })).toEqual([opera.id, rock.id]);
    expect(await list({ q: tag, to: at(2).toISOString() })).toEqual([jazz.id]);
    expect(await list({ q: tag, organizerId: otherOrganizer.tokens.user.id })).toEqual([]);
    await organizer.client.events.cancel.mutate({ id: rock.id, reason: 'storm' });
    expect(await list({ q: tag, status: 'cancelled' })).toEqual([rock.id]);
    expect(await list({ q: tag, status: 'published' })).toEqual([jazz.id, opera.id]);
  });

  it('pages by cursor and refuses a forged cursor or an out-of-range limit', async () => {
    const { app, organizer } = events.cast();
    const tag = randomUUID().slice(0, 8);
    for (let i = 0; i < 5; i++) {
      const e = await organizer.client.events.create.mutate(
        eventInput({ title: `Paged ${tag} ${i}` }),
      );
      await organizer.client.events.publish.mutate({ id: e.id });
    }
    const first = await app.client().events.list.query({ q: tag, limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await app
      .client()
      .events.list.query({ q: tag, limit: 2, cursor: first.nextCursor ?? '' });
    const third = await app
      .client()
      .events.list.query({ q: tag, limit: 2, cursor: second.nextCursor ?? '' });
    expect(third.items).toHaveLength(1);
    expect(third.nextCursor).toBeNull();
    expect(new Set([...first.items, ...second.items, ...third.items].map((e) => e.id)).size).toBe(
      5,
    );
    await expectAppCode(
      app.client().events.list.query({ cursor: 'bm90LWEtY3Vyc29y' }),
      'VALIDATION_FAILED',
    );
    await expectAppCode(app.client().events.list.query({ limit: 101 }), 'VALIDATION_FAILED');
    await expectAppCode(app.client().events.list.query({ limit: 0 }), 'VALIDATION_FAILED');
  });

  // Anonymous answers may be kept in memory with availability up to PUBLIC_READ_MAX_AGE_MS old:
  // events.kept-answers.test.ts. A signed-in reader's read runs every time.
  it('shows live availability on cached reads to a signed-in reader', async () => {
    const { app, organizer } = events.cast();
    const event = await organizer.client.events.create.mutate(eventInput({ capacity: 10 }));
    await organizer.client.events.publish.mutate({ id: event.id });
    const reader = (await app.signUp()).client;
    expect((await reader.events.get.query({ id: event.id })).availability.available).toBe(10);
    await app.db.handle.db
      .updateTable('event_inventory')
      .set({ confirmed: 10 })
      .where('event_id', '=', event.id)
      .execute();
    expect((await reader.events.get.query({ id: event.id })).availability).toEqual({
      available: 0,
      soldOut: true,
    });
  });
});

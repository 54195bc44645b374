import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp, type TestInstance } from './harness.js';
import { arena } from './seating.fixtures.js';

const PAIRS = 500;

// The promise for best available under a burst: 500 requests for pairs at once, over two
// API instances, each answered with two adjacent seats at the first try — the seats are chosen
// inside the allocator's batch, so no two requests pick the same seat and none is refused for a
// seat someone else took.
describe('500 concurrent pairs', () => {
  let app: TestApp;
  let second: TestInstance;
  let organizer: SignedUp;
  let buyers: SignedUp[];

  beforeAll(async () => {
    app = await startTestApp();
    second = await app.startInstance();
    organizer = await app.signUp({ role: 'organizer' });
    buyers = await Promise.all(Array.from({ length: 10 }, () => app.signUp()));
  });
  afterAll(async () => app?.close());

  it('seats every pair together at the first try, no seat twice', async () => {
    const draft = await organizer.client.events.create.mutate(
      eventInput({ capacity: 2 * PAIRS, priceCents: 0, maxPerBooking: 2 }),
    );
    const event = await organizer.client.events.publish.mutate({ id: draft.id });
    const [type] = await organizer.client.ticketTypes.list.query({ eventId: event.id });
    const typeId = type?.id ?? '';
    // 25 rows of 40: exactly the 1,000 seats the pairs take.
    await organizer.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: arena(25, 40, typeId),
    });

    const clients = buyers.flatMap((b) => [b.client, second.client(b.tokens.accessToken)]);
    const answers = await Promise.allSettled(
      Array.from({ length: PAIRS }, (_, i) =>
        (clients[i % clients.length] ?? organizer.client).bookings.create.mutate({
          eventId: event.id,
          items: [{ ticketTypeId: typeId, quantity: 2 }],
        }),
      ),
    );
    const refused = answers.flatMap((a) => (a.status === 'rejected' ? [String(a.reason)] : []));
    expect(refused).toEqual([]);

    // In SQL: 1,000 live allocations on 1,000 different seats, each pair one row, side by side.
    const db = app.db.handle.db;
    const { rows } = await sql<{ seats: number; distinct_seats: number; apart: number }>`
      WITH pairs AS (
        SELECT a.booking_id, min(s.row_key) AS first_row, max(s.row_key) AS last_row,
          max(s.position) - min(s.position) AS span, count(*) AS n
        FROM seat_allocations a JOIN seats s ON s.id = a.seat_id
        WHERE a.event_id = ${event.id} AND a.released_at IS NULL
        GROUP BY a.booking_id)
      SELECT (SELECT count(*)::int FROM seat_allocations
          WHERE event_id = ${event.id} AND released_at IS NULL) AS seats,
        (SELECT count(DISTINCT seat_id)::int FROM seat_allocations
          WHERE event_id = ${event.id} AND released_at IS NULL) AS distinct_seats,
        (SELECT count(*)::int FROM pairs
          WHERE n <> 2 OR first_row <> last_row OR span <> 1) AS apart`.execute(db);
    expect(rows[0]).toEqual({ seats: 2 * PAIRS, distinct_seats: 2 * PAIRS, apart: 0 });
    const availability = await app.client().bookings.availability.query({ eventId: event.id });
    expect(availability).toMatchObject({ confirmed: 2 * PAIRS, held: 0, soldOut: true });
  });
});

import { gzipSync } from 'node:zlib';
import { type Event, MAX_PLAN_SEATS, type SeatingMap } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { allocate, arena } from './seating.fixtures.js';

// A 100,000-seat arena (the most a plan holds): uploaded in one seating.setPlan (its body may pass
// the 1 MiB every other call keeps), one seat more refused, and its map measured — bytes on the
// wire and milliseconds per call, printed; the only bounds asserted are very generous ones.

const ROWS = 200;
const PER_ROW = 500;

describe('a 100,000-seat map', () => {
  let app: TestApp;
  let owner: SignedUp;
  let event: Event;
  let type: string;

  beforeAll(async () => {
    app = await startTestApp();
    owner = await app.signUp({ role: 'organizer' });
    const draft = await owner.client.events.create.mutate(eventInput({ capacity: 100_000 }));
    event = await owner.client.events.publish.mutate({ id: draft.id });
    const [ga] = await owner.client.ticketTypes.list.query({ eventId: event.id });
    type = ga?.id ?? '';
  });
  afterAll(async () => app?.close());

  /** One plain GET of the map, as a browser would make it: its body's bytes and the time. */
  async function fetchMap(): Promise<{ body: string; ms: number }> {
    const input = encodeURIComponent(JSON.stringify({ eventId: event.id }));
    const started = performance.now();
    const response = await fetch(`${app.url}/trpc/seating.map?input=${input}`, {
      headers: { authorization: `Bearer ${owner.tokens.accessToken}` },
    });
    const body = await response.text();
    expect(response.status).toBe(200);
    return { body, ms: performance.now() - started };
  }

  it('takes a plan of 100,000 seats in one call, and refuses one seat more', async () => {
    const hall = arena(ROWS, PER_ROW, type);
    const bytes = Buffer.byteLength(JSON.stringify({ eventId: event.id, plan: hall }));
    let started = performance.now();
    const set = await owner.client.seating.setPlan.mutate({ eventId: event.id, plan: hall });
    const firstMs = performance.now() - started;
    expect(set).toMatchObject({ version: 1, seats: MAX_PLAN_SEATS });
    started = performance.now();
    // The same plan again: every seat is compared, none rewritten.
    await owner.client.seating.setPlan.mutate({ eventId: event.id, plan: hall });
    const againMs = performance.now() - started;
    console.info(
      `seating.setPlan, ${MAX_PLAN_SEATS} seats: ${(bytes / 1e6).toFixed(1)} MB of JSON; ` +
        `${firstMs.toFixed(0)} ms the first time, ${againMs.toFixed(0)} ms unchanged`,
    );

    const more = arena(ROWS, PER_ROW, type);
    more.sections[0]?.rows[0]?.seats.push({
      key: 'extra',
      label: 'extra',
      ticketTypeId: type,
      x: -1,
      y: 0,
    });
    const refused = await expectAppCode(
      owner.client.seating.setPlan.mutate({ eventId: event.id, plan: more }),
      'VALIDATION_FAILED',
    );
    expect(refused.zodIssues?.map((i) => i.message)).toEqual([
      `a plan has at most ${MAX_PLAN_SEATS} seats (this one has ${MAX_PLAN_SEATS + 1})`,
    ]);
    expect((await fetchMap()).body).toContain('"version":2');
  });

  it('refuses a large plan from nobody (no token, or one that names no session) before reading it, and a batch keeps 1 MiB', async () => {
    const body = JSON.stringify({ eventId: event.id, plan: arena(40, 500, type) });
    expect(body.length).toBeGreaterThan(1_048_576);
    const anonymous = await fetch(`${app.url}/trpc/seating.setPlan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(anonymous.status).toBe(401);
    expect(
      ((await anonymous.json()) as { error: { data: { appCode: string } } }).error.data,
    ).toMatchObject({
      appCode: 'UNAUTHENTICATED',
    });
    // A made-up token is nobody too.
    const forged = await fetch(`${app.url}/trpc/seating.setPlan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer made.up.token' },
      body,
    });
    expect(forged.status).toBe(401);
    expect(
      ((await forged.json()) as { error: { data: { appCode: string } } }).error.data,
    ).toMatchObject({ appCode: 'UNAUTHENTICATED' });
    const batched = await fetch(`${app.url}/trpc/seating.setPlan,seating.map?batch=1`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${owner.tokens.accessToken}`,
      },
      body: JSON.stringify({ 0: JSON.parse(body), 1: { eventId: event.id } }),
    });
    expect(batched.status).toBe(413);
  });

  it('draws the whole map with every seat state; measured', async () => {
    const { seats } = await owner.client.seating.map.query({ eventId: event.id });
    expect(seats).toHaveLength(MAX_PLAN_SEATS);
    await allocate(app.db.handle.db, {
      eventId: event.id,
      userId: owner.tokens.user.id,
      seatIds: seats.slice(0, 2).map((s) => s.id),
      status: 'confirmed',
    });
    await allocate(app.db.handle.db, {
      eventId: event.id,
      userId: owner.tokens.user.id,
      seatIds: seats.slice(2, 4).map((s) => s.id),
      status: 'pending',
    });
    await owner.client.seating.block.mutate({
      eventId: event.id,
      seatIds: seats.slice(4, 6).map((s) => s.id),
    });

    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await fetchMap());
    const { body } = runs[0] ?? { body: '' };
    const map = (JSON.parse(body) as { result: { data: SeatingMap } }).result.data;
    expect(map.seats).toHaveLength(MAX_PLAN_SEATS);
    expect(map.seats.slice(0, 7).map((s) => s.state)).toEqual([
      'sold',
      'sold',
      'held',
      'held',
      'blocked',
      'blocked',
      'available',
    ]);
    const counts = new Map<string, number>();
    for (const seat of map.seats) counts.set(seat.state, (counts.get(seat.state) ?? 0) + 1);
    expect(counts.get('available')).toBe(MAX_PLAN_SEATS - 6);

    const bytes = Buffer.byteLength(body);
    const gzipped = gzipSync(body).length;
    const times = runs.map((r) => r.ms).sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? 0;
    console.info(
      `seating.map, ${MAX_PLAN_SEATS} seats: ${(bytes / 1e6).toFixed(2)} MB ` +
        `(${(bytes / MAX_PLAN_SEATS).toFixed(0)} B a seat; gzip ${(gzipped / 1e6).toFixed(2)} MB); ` +
        `${times.map((t) => t.toFixed(0)).join(', ')} ms (median ${median.toFixed(0)} ms)`,
    );
    // Generous: this is a measurement, not a benchmark.
    expect(bytes).toBeLessThan(32 * 1024 * 1024);
    expect(median).toBeLessThan(20_000);
  });
});

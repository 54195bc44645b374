import { randomUUID } from 'node:crypto';
import type { Event, SeatingMap } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';
import { allocate, plan, release, row } from './seating.fixtures.js';

// seating.setPlan and seating.map over HTTP through the SDK (API.md Part 2, "seating"): a plan
// set and replaced (seats keep their ids while their keys stay), refused whole when it is bad
// (nothing changed), the optimistic version, and edits once seats are held or sold: those seats
// stay, of their type; every other seat may move, change or go.

describe('seating plans', () => {
  let app: TestApp;
  let owner: SignedUp;
  let manager: SignedUp;
  let viewer: SignedUp;
  let buyer: SignedUp;
  let outsider: SignedUp;
  let event: Event;
  /** The event's General admission type, and a second one. */
  let stalls: string;
  let balcony: string;

  beforeAll(async () => {
    app = await startTestApp();
    [owner, manager, viewer, buyer, outsider] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
      app.signUp(),
      app.signUp({ role: 'organizer' }),
    ]);
    const draft = await owner.client.events.create.mutate(eventInput({ capacity: 100 }));
    event = await owner.client.events.publish.mutate({ id: draft.id });
    await joinOrganization(app, owner, event.organizationId, manager, 'manager');
    await joinOrganization(app, owner, event.organizationId, viewer, 'viewer');
    const [ga] = await owner.client.ticketTypes.list.query({ eventId: event.id });
    stalls = ga?.id ?? '';
    balcony = (
      await manager.client.ticketTypes.create.mutate({
        eventId: event.id,
        name: 'Balcony',
        priceCents: 900,
      })
    ).id;
  });
  afterAll(async () => app?.close());

  const db = () => app.db.handle.db;
  const map = (eventId = event.id) => app.client().seating.map.query({ eventId });
  const seatOf = (m: SeatingMap, section: string, rowKey: string, label: string) => {
    const seat = m.seats.find(
      (s) => s.section === section && s.row === rowKey && s.label === label,
    );
    if (!seat) throw new Error(`no seat ${section}/${rowKey}/${label}`);
    return seat;
  };
  const audits = () =>
    db()
      .selectFrom('audit_log')
      .select(['action', 'actor_id', 'after'])
      .where('entity', '=', 'seating_plan')
      .where('entity_id', '=', event.id)
      .orderBy('seq')
      .execute();

  it('sets a plan, answers it counted and draws it as a map in plan order', async () => {
    expect(await map()).toEqual({ version: 0, focus: { x: 0, y: 0 }, sections: [], seats: [] });
    const set = await manager.client.seating.setPlan.mutate({
      eventId: event.id,
      expectedVersion: 0,
      plan: plan({
        stalls: [
          row('B', 3, stalls, 1),
          row('A', 4, stalls, 0, (_, n) => ({ accessible: n === 1 })),
        ],
        balcony: [row('A', 2, balcony, 10)],
      }),
    });
    // No focus given: the middle of the front edge (least y).
    expect(set).toEqual({
      eventId: event.id,
      version: 1,
      focus: { x: 1.5, y: 0 },
      sections: [
        {
          key: 'stalls',
          name: 'Section stalls',
          seats: 7,
          rows: [
            { key: 'B', label: 'Row B', seats: 3 },
            { key: 'A', label: 'Row A', seats: 4 },
          ],
        },
        {
          key: 'balcony',
          name: 'Section balcony',
          seats: 2,
          rows: [{ key: 'A', label: 'Row A', seats: 2 }],
        },
      ],
      seats: 9,
    });
    const drawn = await map();
    expect(drawn.version).toBe(1);
    expect(drawn.focus).toEqual({ x: 1.5, y: 0 });
    expect(drawn.sections).toEqual([
      {
        key: 'stalls',
        name: 'Section stalls',
        rows: [
          { key: 'B', label: 'Row B' },
          { key: 'A', label: 'Row A' },
        ],
      },
      { key: 'balcony', name: 'Section balcony', rows: [{ key: 'A', label: 'Row A' }] },
    ]);
    expect(drawn.seats.map((s) => `${s.section}/${s.row}/${s.label}`)).toEqual([
      'stalls/B/1',
      'stalls/B/2',
      'stalls/B/3',
      'stalls/A/1',
      'stalls/A/2',
      'stalls/A/3',
      'stalls/A/4',
      'balcony/A/1',
      'balcony/A/2',
    ]);
    expect(seatOf(drawn, 'stalls', 'A', '1')).toEqual({
      id: expect.any(String),
      section: 'stalls',
      row: 'A',
      label: '1',
      ticketTypeId: stalls,
      x: 0,
      y: 0,
      accessible: true,
      state: 'available',
    });
    expect(new Set(drawn.seats.map((s) => s.state))).toEqual(new Set(['available']));
    expect(await audits()).toEqual([
      {
        action: 'create',
        actor_id: manager.tokens.user.id,
        after: { version: 1, seats: 9, added: 9, kept: 0, removed: 0 },
      },
    ]);
  });

  it('replaces the plan whole: seats whose keys stay keep their ids, the rest come and go', async () => {
    const before = await map();
    const replaced = await owner.client.seating.setPlan.mutate({
      eventId: event.id,
      expectedVersion: 1,
      plan: plan(
        {
          // Row B moved back, relabelled and retyped; row A loses its seat 4; balcony gains one.
          stalls: [
            row('B', 3, balcony, 5, (seat) => ({ label: `B-${seat.label}` })),
            row('A', 3, stalls, 0),
          ],
          balcony: [row('A', 3, balcony, 10)],
        },
        { x: 1, y: -4 },
      ),
    });
    expect(replaced).toMatchObject({ version: 2, focus: { x: 1, y: -4 }, seats: 9 });
    const after = await map();
    const id = (m: SeatingMap, section: string, r: string, label: string) =>
      seatOf(m, section, r, label).id;
    expect(id(after, 'stalls', 'B', 'B-2')).toBe(id(before, 'stalls', 'B', '2'));
    expect(seatOf(after, 'stalls', 'B', 'B-2')).toMatchObject({ ticketTypeId: balcony, y: 5 });
    expect(id(after, 'stalls', 'A', '1')).toBe(id(before, 'stalls', 'A', '1'));
    // Seat A1 is no longer said accessible (the new plan leaves it out).
    expect(seatOf(after, 'stalls', 'A', '1').accessible).toBe(false);
    const gone = id(before, 'stalls', 'A', '4');
    expect(after.seats.some((s) => s.id === gone)).toBe(false);
    const known = new Set(before.seats.map((s) => s.id));
    expect(after.seats.filter((s) => !known.has(s.id)).map((s) => s.label)).toEqual(['3']);
    // Nobody ever held seat A4: it is gone from the table, not just from the plan.
    expect(await db().selectFrom('seats').select('id').where('id', '=', gone).execute()).toEqual(
      [],
    );
    expect((await audits()).at(-1)).toMatchObject({
      action: 'replace',
      after: { version: 2, seats: 9, added: 1, kept: 8, removed: 1 },
    });
  });

  it('refuses a bad plan whole, naming what is wrong, and changes nothing', async () => {
    const before = await map();
    const refusals = [
      // Keys given twice within their parent.
      plan({ stalls: [row('A', 2, stalls), row('A', 2, stalls)] }),
      plan({ stalls: [row('A', 2, stalls, 0, () => ({ key: 'same' }))] }),
      {
        sections: [
          ...plan({ a: [row('A', 1, stalls)] }).sections,
          ...plan({ a: [row('B', 1, stalls)] }).sections,
        ],
      },
      // Keys are plain identifiers; coordinates are bounded; labels are one line.
      plan({ stalls: [row('A b', 1, stalls)] }),
      plan({ stalls: [row('A', 1, stalls, 2e6)] }),
      plan({ stalls: [row('A', 1, stalls, 0, () => ({ label: 'one\ntwo' }))] }),
      plan({ stalls: [{ key: 'A', label: 'A', seats: [] }] }),
    ];
    for (const bad of refusals) {
      const refused = await expectAppCode(
        manager.client.seating.setPlan.mutate({ eventId: event.id, plan: bad }),
        'VALIDATION_FAILED',
      );
      expect(refused.zodIssues?.length).toBeGreaterThan(0);
    }
    const duplicate = await expectAppCode(
      manager.client.seating.setPlan.mutate({
        eventId: event.id,
        plan: plan({ stalls: [row('A', 2, stalls, 0, () => ({ key: 'same' }))] }),
      }),
      'VALIDATION_FAILED',
    );
    expect(duplicate.zodIssues?.[0]).toMatchObject({
      path: ['plan', 'sections', 0, 'rows', 0, 'seats', 1, 'key'],
      message: 'seat key "same" is given twice',
    });

    // A ticket type must be the event's: unknown, or another event's.
    const other = await owner.client.events.create.mutate(eventInput());
    const [foreign] = await owner.client.ticketTypes.list.query({ eventId: other.id });
    for (const typeId of [randomUUID(), foreign?.id ?? '']) {
      const refused = await expectAppCode(
        manager.client.seating.setPlan.mutate({
          eventId: event.id,
          plan: plan({ stalls: [row('A', 2, stalls), row('B', 2, typeId)] }),
        }),
        'VALIDATION_FAILED',
      );
      expect(refused.details).toEqual({ ticketTypeIds: [typeId] });
      expect(refused.zodIssues?.map((i) => i.path)).toEqual([
        ['plan', 'sections', 0, 'rows', 1, 'seats', 0, 'ticketTypeId'],
        ['plan', 'sections', 0, 'rows', 1, 'seats', 1, 'ticketTypeId'],
      ]);
    }
    await expectAppCode(
      manager.client.seating.setPlan.mutate({ eventId: randomUUID(), plan: plan({}) }),
      'NOT_FOUND',
    );
    expect(await map()).toEqual(before);
  });

  it('checks expectedVersion: a stale plan is VERSION_CONFLICT and changes nothing', async () => {
    const before = await map();
    const stale = await expectAppCode(
      manager.client.seating.setPlan.mutate({
        eventId: event.id,
        expectedVersion: before.version - 1,
        plan: plan({ stalls: [row('A', 1, stalls)] }),
      }),
      'VERSION_CONFLICT',
    );
    expect(stale.details).toEqual({ version: before.version });
    expect(await map()).toEqual(before);
    // Without expectedVersion, the last write wins.
    const again = plan({
      stalls: [row('B', 3, balcony, 5, (s) => ({ label: `B-${s.label}` })), row('A', 3, stalls, 0)],
      balcony: [row('A', 3, balcony, 10)],
    });
    const set = await manager.client.seating.setPlan.mutate({ eventId: event.id, plan: again });
    expect(set.version).toBe(before.version + 1);
  });

  it('once seats are held or sold, keeps them in the plan with their type; the rest stays editable', async () => {
    const before = await map();
    const a1 = seatOf(before, 'stalls', 'A', '1');
    const a2 = seatOf(before, 'stalls', 'A', '2');
    const held = await allocate(db(), {
      eventId: event.id,
      userId: buyer.tokens.user.id,
      seatIds: [a1.id],
      status: 'pending',
    });
    await allocate(db(), {
      eventId: event.id,
      userId: buyer.tokens.user.id,
      seatIds: [a2.id],
      status: 'confirmed',
    });
    const states = await map();
    expect(seatOf(states, 'stalls', 'A', '1').state).toBe('held');
    expect(seatOf(states, 'stalls', 'A', '2').state).toBe('sold');

    // Taking them out, or selling them as another type: refused, naming them; nothing changed.
    const refused = await expectAppCode(
      manager.client.seating.setPlan.mutate({
        eventId: event.id,
        plan: plan({
          stalls: [row('A', 2, balcony, 0, (s) => ({ key: s.key === '1' ? '9' : s.key }))],
        }),
      }),
      'INVALID_STATE',
    );
    expect(refused.details).toEqual({
      refused: 2,
      seats: [
        { section: 'stalls', row: 'A', seat: '1', reason: 'removed' },
        { section: 'stalls', row: 'A', seat: '2', reason: 'ticketTypeChanged' },
      ],
    });
    expect(await map()).toEqual(states);

    // Moved, relabelled, with other seats added, retyped and removed around them: fine.
    const edited = await manager.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: plan({
        stalls: [row('A', 5, stalls, 1, (s) => ({ label: `A${s.label}`, x: Number(s.key) * 2 }))],
      }),
    });
    expect(edited).toMatchObject({ version: states.version + 1, seats: 5 });
    const after = await map();
    expect(seatOf(after, 'stalls', 'A', 'A1')).toMatchObject({
      id: a1.id,
      ticketTypeId: stalls,
      x: 2,
      y: 1,
      state: 'held',
    });
    expect(seatOf(after, 'stalls', 'A', 'A2')).toMatchObject({ id: a2.id, state: 'sold' });
    expect(after.seats).toHaveLength(5);

    // Released (the hold expired), its seat may go. A seat a booking held is kept as removed
    // (the booking still names it), and comes back with its id when its keys do.
    await release(db(), held);
    await manager.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: plan({ stalls: [row('A', 5, stalls, 1, (s) => ({ key: `${Number(s.key) + 1}` }))] }),
    });
    const without = await map();
    expect(without.seats.some((s) => s.id === a1.id)).toBe(false);
    const kept = await db()
      .selectFrom('seats')
      .select(['removed_at'])
      .where('id', '=', a1.id)
      .executeTakeFirstOrThrow();
    expect(kept.removed_at).toBeInstanceOf(Date);
    await manager.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: plan({
        stalls: [
          row('A', 5, balcony, 0, (s) => ({ ticketTypeId: s.key === '2' ? stalls : balcony })),
        ],
      }),
    });
    const back = await map();
    expect(seatOf(back, 'stalls', 'A', '1')).toMatchObject({
      id: a1.id,
      ticketTypeId: balcony,
      state: 'available',
    });
  });

  it('shows a draft’s map only to whom its draft is visible', async () => {
    const draft = await owner.client.events.create.mutate(
      eventInput({ organizationId: event.organizationId }),
    );
    const [type] = await owner.client.ticketTypes.list.query({ eventId: draft.id });
    await manager.client.seating.setPlan.mutate({
      eventId: draft.id,
      plan: plan({ main: [row('A', 2, type?.id ?? '')] }),
    });
    await expectAppCode(map(draft.id), 'NOT_FOUND');
    await expectAppCode(buyer.client.seating.map.query({ eventId: draft.id }), 'NOT_FOUND');
    await expectAppCode(outsider.client.seating.map.query({ eventId: draft.id }), 'NOT_FOUND');
    expect((await viewer.client.seating.map.query({ eventId: draft.id })).seats).toHaveLength(2);
    // Nor may anyone outside its managers change it (a viewer sees it: FORBIDDEN).
    const again = { eventId: draft.id, plan: plan({}) };
    await expectAppCode(outsider.client.seating.setPlan.mutate(again), 'NOT_FOUND');
    await expectAppCode(viewer.client.seating.setPlan.mutate(again), 'FORBIDDEN');
    await expectAppCode(app.client().seating.setPlan.mutate(again), 'UNAUTHENTICATED');
    await owner.client.events.publish.mutate({ id: draft.id });
    expect((await map(draft.id)).seats).toHaveLength(2);
    await expectAppCode(outsider.client.seating.setPlan.mutate(again), 'FORBIDDEN');
    // A cancelled event's seats are settled.
    await owner.client.events.cancel.mutate({ id: draft.id, reason: 'Flooded' });
    await expectAppCode(manager.client.seating.setPlan.mutate(again), 'INVALID_STATE');
    expect((await map(draft.id)).seats).toHaveLength(2);
  });
});

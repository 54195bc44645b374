import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { useEventsCast } from './events.fixtures.js';
import type { SignedUp } from './harness.js';

// Who sees and who may manage an event: its organizer, other organizers, users, admins and
// anonymous callers, over HTTP.
describe('events: visibility and ownership', () => {
  const events = useEventsCast();
  const { auditOf } = events;

  it('a draft is seen by its organizer and admins only; others get NOT_FOUND', async () => {
    const { app, organizer, otherOrganizer, user, admin } = events.cast();
    const draft = await organizer.client.events.create.mutate(eventInput());
    expect((await organizer.client.events.get.query({ id: draft.id })).id).toBe(draft.id);
    expect((await admin.client.events.get.query({ id: draft.id })).id).toBe(draft.id);
    await expectAppCode(otherOrganizer.client.events.get.query({ id: draft.id }), 'NOT_FOUND');
    await expectAppCode(user.client.events.get.query({ id: draft.id }), 'NOT_FOUND');
    await expectAppCode(app.client().events.get.query({ id: draft.id }), 'NOT_FOUND');
    await expectAppCode(app.client().events.get.query({ id: randomUUID() }), 'NOT_FOUND');
  });

  it('lists: public statuses for everyone, own drafts for organizers, everything for admins', async () => {
    const { app, organizer, otherOrganizer, user, admin } = events.cast();
    const tag = randomUUID().slice(0, 8);
    const mine = await organizer.client.events.create.mutate(
      eventInput({ title: `Vis ${tag} draft` }),
    );
    const theirs = await otherOrganizer.client.events.create.mutate(
      eventInput({ title: `Vis ${tag} other` }),
    );
    const live = await organizer.client.events.create.mutate(
      eventInput({ title: `Vis ${tag} live` }),
    );
    await organizer.client.events.publish.mutate({ id: live.id });
    const ids = async (who: SignedUp | null) =>
      (await (who ? who.client : app.client()).events.list.query({ q: tag, limit: 100 })).items
        .map((e) => e.id)
        .sort();
    expect(await ids(null)).toEqual([live.id]);
    expect(await ids(user)).toEqual([live.id]);
    expect(await ids(organizer)).toEqual([mine.id, live.id].sort());
    expect(await ids(otherOrganizer)).toEqual([theirs.id, live.id].sort());
    expect(await ids(admin)).toEqual([mine.id, theirs.id, live.id].sort());
    const draftsOnly = await user.client.events.list.query({ q: tag, status: 'draft' });
    expect(draftsOnly.items).toEqual([]);
  });

  it("an organizer cannot touch another organizer's event; an admin can", async () => {
    const { organizer, otherOrganizer, admin } = events.cast();
    const event = await organizer.client.events.create.mutate(eventInput());
    // Another organizer's draft does not exist for them.
    await expectAppCode(otherOrganizer.client.events.publish.mutate({ id: event.id }), 'NOT_FOUND');
    await organizer.client.events.publish.mutate({ id: event.id });
    await expectAppCode(
      otherOrganizer.client.events.update.mutate({
        id: event.id,
        expectedVersion: 2,
        patch: { title: 'Mine now' },
      }),
      'FORBIDDEN',
    );
    await expectAppCode(
      otherOrganizer.client.events.cancel.mutate({ id: event.id, reason: 'x' }),
      'FORBIDDEN',
    );
    await expectAppCode(otherOrganizer.client.events.delete.mutate({ id: event.id }), 'FORBIDDEN');
    const byAdmin = await admin.client.events.update.mutate({
      id: event.id,
      expectedVersion: 2,
      patch: { title: 'Fixed by admin' },
    });
    expect(byAdmin.title).toBe('Fixed by admin');
    expect((await auditOf(event.id)).at(-1)?.actor_id).toBe(admin.tokens.user.id);
  });

  it('users and anonymous callers cannot create or manage events', async () => {
    const { app, organizer, user } = events.cast();
    await expectAppCode(user.client.events.create.mutate(eventInput()), 'FORBIDDEN');
    await expectAppCode(app.client().events.create.mutate(eventInput()), 'UNAUTHENTICATED');
    const event = await organizer.client.events.create.mutate(eventInput());
    // Someone else's draft is not disclosed, whatever the caller's platform role.
    await expectAppCode(user.client.events.publish.mutate({ id: event.id }), 'NOT_FOUND');
    await organizer.client.events.publish.mutate({ id: event.id });
    await expectAppCode(
      user.client.events.cancel.mutate({ id: event.id, reason: 'mine now' }),
      'FORBIDDEN',
    );
    await expectAppCode(app.client().events.delete.mutate({ id: event.id }), 'UNAUTHENTICATED');
    // A bad token on a public read is refused, not silently treated as anonymous.
    await expectAppCode(app.client('not-a-token').events.list.query({}), 'UNAUTHENTICATED');
  });
});

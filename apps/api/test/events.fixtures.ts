import { afterAll, beforeAll } from 'vitest';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';

/** Every kind of caller an events test needs (anonymous callers are `app.client()`). */
export interface EventsCast {
  app: TestApp;
  organizer: SignedUp;
  /** An organizer who owns none of `organizer`'s events. */
  otherOrganizer: SignedUp;
  user: SignedUp;
  admin: SignedUp;
}

/**
 * Registers, in the calling describe, an app of its own with the cast signed in, and answers
 * what the events module recorded of an event (its audit rows and outbox topics, in order).
 */
export function useEventsCast() {
  let cast: EventsCast | undefined;
  beforeAll(async () => {
    const app = await startTestApp();
    const [organizer, otherOrganizer, user, admin] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.admin(),
    ]);
    cast = { app, organizer, otherOrganizer, user, admin };
  });
  afterAll(async () => cast?.app.close());

  const get = (): EventsCast => {
    if (!cast) throw new Error('the cast signs up in beforeAll');
    return cast;
  };

  const auditOf = (eventId: string) =>
    get()
      .app.db.handle.db.selectFrom('audit_log')
      .selectAll()
      .where('entity', '=', 'event')
      .where('entity_id', '=', eventId)
      .orderBy('seq')
      .execute();
  const outboxOf = (eventId: string) =>
    get()
      .app.db.handle.db.selectFrom('outbox')
      .select('topic')
      .where('aggregate_id', '=', eventId)
      .orderBy('seq')
      .execute();

  return { cast: get, auditOf, outboxOf };
}

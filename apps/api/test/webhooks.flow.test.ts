import { type Event, type WebhookEvent, webhookTopics } from '@evently/contracts';
import { verifyWebhook } from '@evently/sdk';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';
import { until } from './payments.stripe.fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { settled } from './webhooks.fixtures.js';

// Webhooks end to end, against a real HTTP receiver: every topic delivered once, in outbox order,
// signed per Standard Webhooks (the standardwebhooks library verifies it, the SDK's verifyWebhook
// parses the body into its typed event), with the public DTOs; the delivery log; test deliveries
// and secret rotation; and who may manage them.
describe('webhooks', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let owner: SignedUp;
  let alice: SignedUp;
  let bob: SignedUp;
  let organizationId: string;

  beforeAll(async () => {
    // 3 s holds: a hold expires by itself within the test (booking.expired).
    app = await startTestApp({ bookings: { holdMinutes: 0.05, offerMinutes: 30 } });
    receiver = await startWebhookReceiver();
    [owner, alice, bob] = await Promise.all([
      app.signUp({ role: 'organizer' }),
      app.signUp(),
      app.signUp(),
    ]);
    const first = await owner.client.events.create.mutate(eventInput());
    organizationId = first.organizationId;
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const publish = async (overrides: Parameters<typeof eventInput>[0]): Promise<Event> => {
    const draft = await owner.client.events.create.mutate(
      eventInput({ organizationId, ...overrides }),
    );
    return owner.client.events.publish.mutate({ id: draft.id });
  };

  it('delivers every topic once, in outbox order, signed, with the public DTOs', async () => {
    const { webhook, secret } = await owner.client.webhooks.create.mutate({
      organizationId,
      url: receiver.url,
      topics: [...webhookTopics],
      description: 'All of it',
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ status: 'active', topics: [...webhookTopics] });

    const event = await publish({ capacity: 1, priceCents: 0 });
    await owner.client.events.update.mutate({
      id: event.id,
      expectedVersion: event.version,
      patch: { title: 'Renamed for the hooks' },
    });
    const booking = await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 });
    expect(booking.status).toBe('confirmed');
    await bob.client.bookings.waitlist.join.mutate({ eventId: event.id, quantity: 1 });
    const [ticket] = await until(
      () => alice.client.tickets.forBooking.query({ bookingId: booking.id }),
      (tickets) => tickets.length === 1,
    );
    if (!ticket) throw new Error('no ticket');
    const list = await owner.client.checkin.lists.create.mutate({
      eventId: event.id,
      name: 'Door',
    });
    const scan = await owner.client.checkin.redeem.mutate({
      listId: list.id,
      code: ticket.code,
      nonce: 'hooks-scan-1',
    });
    expect(scan.result).toBe('ok');
    // Its seat goes to bob's place in line: an offer.
    await owner.client.bookings.cancel.mutate({ bookingId: booking.id, reason: 'Moved' });
    const paid = await publish({ capacity: 5, priceCents: 1_000 });
    const hold = await alice.client.bookings.create.mutate({ eventId: paid.id, quantity: 1 });
    await owner.client.events.cancel.mutate({ id: event.id, reason: 'Flooded' });

    // Every topic; two cancellations: alice's booking, and bob's offer with its event.
    await receiver.until(
      (got) =>
        webhookTopics.every((topic) => got.some((r) => r.type === topic)) &&
        got.filter((r) => r.type === 'booking.cancelled').length === 2,
    );
    // Every event recorded and sent before counting (the event's cancellation cancels bob's
    // offer too, a moment later).
    await settled(app.db.handle.db, webhook.id);
    const events: WebhookEvent[] = receiver.received.map((r) => {
      // The library itself verifies what Evently signed…
      expect(new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).toBeTruthy();
      // …and the SDK answers the typed event.
      return verifyWebhook(r.body, r.headers as Record<string, string>, secret);
    });
    // Each delivery once (its own webhook-id), each event once.
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(receiver.received.length);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // In outbox order: the events' seq rise in the order they arrived.
    const seqs = await app.db.handle.db
      .selectFrom('outbox')
      .select(['id', 'seq'])
      .where(
        'id',
        'in',
        events.map((e) => e.id),
      )
      .execute();
    const seqOf = new Map(seqs.map((row) => [row.id, BigInt(row.seq)]));
    const arrived = events.map((e) => seqOf.get(e.id) ?? -1n);
    expect(arrived).toEqual([...arrived].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    const of = <T extends WebhookEvent['type']>(type: T) =>
      events.filter((e): e is Extract<WebhookEvent, { type: T }> => e.type === type);
    expect(of('event.published').map((e) => e.data.event.id)).toContain(event.id);
    expect(of('event.published')[0]?.data.event).toMatchObject({
      organizationId,
      status: 'published',
    });
    expect(of('event.updated')[0]?.data).toMatchObject({ changed: ['title'] });
    expect(of('booking.created').map((e) => e.data.booking.id)).toContain(booking.id);
    expect(of('booking.confirmed').map((e) => e.data.booking.id)).toContain(booking.id);
    const confirmed = of('booking.confirmed').find((e) => e.data.booking.id === booking.id);
    expect(confirmed?.data.booking.items[0]?.quantity).toBe(1);
    expect(of('booking.cancelled').map((e) => e.data.booking.id)).toContain(booking.id);
    expect(of('booking.expired').map((e) => e.data.booking.id)).toEqual([hold.id]);
    expect(of('booking.expired')[0]?.data.booking.status).toBe('expired');
    const offer = of('waitlist.offered')[0];
    expect(offer?.data.entry.userId).toBe(offer?.data.booking.userId);
    expect(of('ticket.checked_in')[0]?.data).toMatchObject({
      ticket: { id: ticket.id, bookingId: booking.id },
      checkin: { listId: list.id, direction: 'entry', gate: null },
    });
    expect(of('event.cancelled')[0]?.data.event).toMatchObject({
      id: event.id,
      cancelReason: 'Flooded',
    });

    // The log: each delivered at its first attempt, answered 204.
    const log = await owner.client.webhooks.deliveries.query({ webhookId: webhook.id, limit: 100 });
    expect(log.items).toHaveLength(receiver.received.length);
    for (const delivery of log.items) {
      expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 204 });
      expect(delivery.nextAttemptAt).toBeNull();
      expect(delivery.durationMs).toBeGreaterThanOrEqual(0);
    }
    expect(new Set(log.items.map((d) => d.id))).toEqual(
      new Set(receiver.received.map((r) => r.id)),
    );
  });

  it('sends a test delivery, and signs with both secrets for a day after a rotation', async () => {
    const other = await startWebhookReceiver();
    try {
      const { webhook, secret } = await owner.client.webhooks.create.mutate({
        organizationId,
        url: other.url,
        topics: ['booking.confirmed'],
      });
      const { eventId } = await owner.client.webhooks.test.mutate({ id: webhook.id });
      await other.until((got) => got.length === 1);
      const first = other.received[0];
      if (!first) throw new Error('no delivery');
      const test = verifyWebhook(first.body, first.headers as Record<string, string>, secret);
      expect(test).toMatchObject({
        id: eventId,
        type: 'webhook.test',
        data: { webhookId: webhook.id },
      });

      const rotated = await owner.client.webhooks.rotateSecret.mutate({ id: webhook.id });
      expect(rotated.secret).not.toBe(secret);
      await owner.client.webhooks.test.mutate({ id: webhook.id });
      await other.until((got) => got.length === 2);
      const second = other.received[1];
      if (!second) throw new Error('no delivery');
      expect(second.signature.split(' ')).toHaveLength(2);
      for (const key of [secret, rotated.secret]) {
        expect(verifyWebhook(second.body, second.headers as Record<string, string>, key).type).toBe(
          'webhook.test',
        );
      }
      // Secrets are shown once: never listed.
      const listed = await owner.client.webhooks.list.query({ organizationId });
      expect(JSON.stringify(listed)).not.toContain(rotated.secret.slice(6));
      const updated = await owner.client.webhooks.update.mutate({
        id: webhook.id,
        topics: ['event.published', 'booking.created'],
        description: null,
        enabled: false,
      });
      expect(updated).toMatchObject({
        status: 'disabled',
        topics: ['event.published', 'booking.created'],
      });
      await expectAppCode(owner.client.webhooks.test.mutate({ id: webhook.id }), 'INVALID_STATE');
      await owner.client.webhooks.delete.mutate({ id: webhook.id });
      await expectAppCode(
        owner.client.webhooks.deliveries.query({ webhookId: webhook.id }),
        'NOT_FOUND',
      );
    } finally {
      await other.close();
    }
  });

  it('is its owners’: a manager is refused, a stranger sees nothing; bad input is a 4xx', async () => {
    const manager = await app.signUp();
    await joinOrganization(app, owner, organizationId, manager, 'manager');
    const { webhook } = await owner.client.webhooks.create.mutate({
      organizationId,
      url: receiver.url,
      topics: ['event.published'],
    });
    await expectAppCode(manager.client.webhooks.list.query({ organizationId }), 'FORBIDDEN');
    await expectAppCode(manager.client.webhooks.delete.mutate({ id: webhook.id }), 'FORBIDDEN');
    await expectAppCode(bob.client.webhooks.delete.mutate({ id: webhook.id }), 'NOT_FOUND');
    await expectAppCode(bob.client.webhooks.replay.mutate({ webhookId: webhook.id }), 'NOT_FOUND');
    const bad = (input: Record<string, unknown>) =>
      owner.client.webhooks.create.mutate({
        organizationId,
        url: receiver.url,
        topics: ['event.published'],
        ...input,
      } as Parameters<typeof owner.client.webhooks.create.mutate>[0]);
    for (const input of [
      { url: 'ftp://example.com/hook' },
      { url: 'not a url' },
      { topics: [] },
      { topics: ['event.published', 'event.published'] },
      { topics: ['booking.teleported'] },
    ]) {
      const refused = await expectAppCode(bad(input), 'VALIDATION_FAILED');
      expect(refused.httpStatus).toBe(400);
    }
    await expectAppCode(
      owner.client.webhooks.replay.mutate({ webhookId: webhook.id, deliveryId: webhook.id }),
      'NOT_FOUND',
    );
    expect(await owner.client.webhooks.replay.mutate({ webhookId: webhook.id })).toEqual({
      queued: 0,
    });
  });
});

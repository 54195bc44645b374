import type { Event } from '@evently/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventInput } from './event-input.js';
import { joinOrganization, type SignedUp, startTestApp, type TestApp } from './harness.js';
import { type TestClock, testClock } from './payments.stripe.fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { attemptsOf, deliveryRow, eventually, settled } from './webhooks.fixtures.js';

// A receiver that fails, against the delivery worker: order kept per webhook while its head is
// retried, the backoff and the 24 h window (then `failed`, replayable), and a webhook failing for
// 5 days disabled with a mail to each owner. Time is the app's clock, moved by the test.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('webhook retries', () => {
  let app: TestApp;
  let clock: TestClock;
  let owner: SignedUp;
  let alice: SignedUp;
  let organizationId: string;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    clock = testClock();
    // Tokens outlive the days the clock is moved by; the sender looks for due retries often.
    app = await startTestApp({
      now: clock.now,
      accessTokenTtlSeconds: 30 * 86_400,
      webhooks: { allowPrivateNetworks: true, sender: { pollIntervalMs: 200 } },
    });
    [owner, alice] = await Promise.all([app.signUp({ role: 'organizer' }), app.signUp()]);
    organizationId = (await owner.client.events.create.mutate(eventInput())).organizationId;
  });
  afterAll(async () => {
    await app?.close();
    for (const receiver of receivers) await receiver.close();
  });

  const db = () => app.db.handle.db;

  async function hooked(topics: Array<'booking.created' | 'event.published'>) {
    const receiver = await startWebhookReceiver();
    receivers.push(receiver);
    const { webhook } = await owner.client.webhooks.create.mutate({
      organizationId,
      url: receiver.url,
      topics,
    });
    return { receiver, webhook };
  }

  async function freeEvent(): Promise<Event> {
    const draft = await owner.client.events.create.mutate(
      eventInput({ organizationId, capacity: 50, priceCents: 0 }),
    );
    return owner.client.events.publish.mutate({ id: draft.id });
  }

  /** Moves the clock to the delivery's next attempt and waits for it to be recorded. */
  async function nextAttempt(deliveryId: string) {
    const [before, tried] = await Promise.all([
      deliveryRow(db(), deliveryId),
      attemptsOf(db(), deliveryId),
    ]);
    clock.advance(Math.max(0, before.next_attempt_at.getTime() - clock.now().getTime()));
    // An attempt's row is written with its outcome, in one transaction. (A retry due a few
    // seconds ahead may also come by itself, the clock being real time plus the moves.)
    await eventually(
      () => attemptsOf(db(), deliveryId),
      (attempts) => attempts.length > tried.length,
    );
    return deliveryRow(db(), deliveryId);
  }

  /** Moves the clock from attempt to attempt until the delivery ends. */
  async function untilEnded(deliveryId: string) {
    let row = await deliveryRow(db(), deliveryId);
    while (row.status === 'pending') row = await nextAttempt(deliveryId);
    return row;
  }

  it("keeps a webhook's order while it fails the 3rd delivery twice, then recovers", async () => {
    const { receiver, webhook } = await hooked(['booking.created']);
    // The third distinct delivery is answered 500 twice.
    const ids: string[] = [];
    receiver.answer((request) => {
      if (!ids.includes(request.id)) ids.push(request.id);
      const third = ids[2] === request.id;
      const tries = receiver.received.filter((r) => r.id === request.id).length;
      return third && tries < 2 ? 500 : 204;
    });
    const event = await freeEvent();
    const bookings = [];
    for (let i = 0; i < 6; i++) {
      bookings.push(await alice.client.bookings.create.mutate({ eventId: event.id, quantity: 1 }));
    }
    await receiver.until((got) => got.length === 3);
    const third = receiver.received[2];
    if (!third) throw new Error('no third delivery');
    expect(third.status).toBe(500);
    // 5 s later: 500 again; 5 min later: delivered, and the rest follow. The head blocks the
    // rest meanwhile: nothing else arrives between its first try and its success.
    expect((await untilEnded(third.id)).status).toBe('delivered');
    await receiver.until((got) => got.length === 8);
    await settled(db(), webhook.id);

    expect(receiver.received.map((r) => r.status)).toEqual([
      204, 204, 500, 500, 204, 204, 204, 204,
    ]);
    // Every retry under the same webhook-id; the bookings in the order they were made.
    expect(receiver.received.slice(2, 5).map((r) => r.id)).toEqual([third.id, third.id, third.id]);
    const order = [...new Set(receiver.received.map((r) => r.id))].map((id) => {
      const body = receiver.received.find((r) => r.id === id)?.body ?? '{}';
      return (JSON.parse(body) as { data: { booking: { id: string } } }).data.booking.id;
    });
    expect(order).toEqual(bookings.map((b) => b.id));
    const attempts = await attemptsOf(db(), third.id);
    expect(attempts.map((a) => a.status_code)).toEqual([500, 500, 204]);
    expect(attempts[1]?.error).toBe('answered 500');
    const log = await owner.client.webhooks.deliveries.query({ webhookId: webhook.id });
    expect(log.items.find((d) => d.id === third.id)).toMatchObject({
      status: 'delivered',
      attempts: 3,
      lastStatusCode: 204,
      lastError: null,
    });
    // The streak ended with the success.
    const [listed] = (await owner.client.webhooks.list.query({ organizationId })).filter(
      (w) => w.id === webhook.id,
    );
    expect(listed?.failingSince).toBeNull();
  });

  it('backs off for 24 h, then fails; a replay sends again under the same webhook-id', async () => {
    const { receiver, webhook } = await hooked(['event.published']);
    receiver.answer(() => 503);
    const first = await freeEvent();
    const second = await freeEvent();
    await receiver.until((got) => got.length === 1);
    const head = receiver.received[0]?.id ?? '';
    const recordedAt = (await deliveryRow(db(), head)).created_at.getTime();
    expect((await untilEnded(head)).status).toBe('failed');
    // Tries at 0, 5 s, 5 min, 30 min, 2 h, 5 h and 10 h later; the last at the window's end.
    const attempts = await attemptsOf(db(), head);
    expect(attempts).toHaveLength(8);
    // (The clock is real time plus the test's moves: each try is a few ms past its due time.)
    const gaps = attempts.slice(1).map((a, i) => a.at.getTime() - (attempts[i]?.at.getTime() ?? 0));
    const waits = [5_000, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR];
    waits.forEach((wait, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(wait);
      expect(gaps[i]).toBeLessThan(wait + MINUTE);
    });
    const last = (attempts.at(-1)?.at.getTime() ?? 0) - recordedAt;
    expect(last).toBeGreaterThanOrEqual(DAY);
    expect(last).toBeLessThan(DAY + MINUTE);
    expect(attempts.every((a) => a.status_code === 503)).toBe(true);
    // The one behind it was recorded as long ago: its first try, now, is at its window's end
    // (or a few ms before it, then one more at the end).
    await settled(db(), webhook.id);
    const log = await owner.client.webhooks.deliveries.query({ webhookId: webhook.id });
    expect(log.items.map((d) => d.status)).toEqual(['failed', 'failed']);
    expect(log.items[1]?.attempts).toBe(8);
    expect(log.items[0]?.attempts).toBeLessThanOrEqual(2);
    const hooks = await owner.client.webhooks.list.query({ organizationId });
    expect(hooks.find((w) => w.id === webhook.id)).toMatchObject({ status: 'active' });
    expect(hooks.find((w) => w.id === webhook.id)?.failingSince).not.toBeNull();

    receiver.answer(() => 204);
    const sent = receiver.received.length;
    const replayed = await owner.client.webhooks.replay.mutate({ webhookId: webhook.id });
    expect(replayed).toEqual({ queued: 2 });
    await receiver.until((got) => got.length === sent + 2);
    await settled(db(), webhook.id);
    const again = receiver.received.slice(sent);
    expect(again.map((r) => r.status)).toEqual([204, 204]);
    const [older, newer] = log.items.map((d) => d.id).reverse();
    expect(again.map((r) => r.id)).toEqual([older, newer]);
    const ids = again.map(
      (r) => (JSON.parse(r.body) as { data: { event: { id: string } } }).data.event.id,
    );
    expect(ids).toEqual([first.id, second.id]);
  });

  it('disables a webhook failing for 5 days and mails each of its owners', async () => {
    const coOwner = await app.signUp();
    await joinOrganization(app, owner, organizationId, coOwner, 'owner');
    const { receiver, webhook } = await hooked(['event.published']);
    receiver.answer(() => 500);
    await freeEvent();
    await receiver.until((got) => got.length === 1);
    const head = receiver.received[0]?.id ?? '';
    await untilEnded(head);
    // Four days on, still failing: a replayed try fails, the webhook stays.
    clock.advance(3 * DAY);
    await owner.client.webhooks.replay.mutate({ webhookId: webhook.id, deliveryId: head });
    await eventually(
      () => attemptsOf(db(), head),
      (a) => a.length >= 9,
    );
    const hooks = () => owner.client.webhooks.list.query({ organizationId });
    expect((await hooks()).find((w) => w.id === webhook.id)?.status).toBe('active');
    // Five days after the first failure: the next failed try disables it.
    clock.advance(DAY);
    await nextAttempt(head);
    const disabled = await eventually(
      async () => (await hooks()).find((w) => w.id === webhook.id),
      (w) => w?.status === 'disabled',
    );
    expect(disabled?.disabledAt).not.toBeNull();
    for (const who of [owner, coOwner]) {
      const mail = await app.mail(who.email, /^Your Evently webhook was disabled$/);
      expect(mail.text).toContain(receiver.url);
    }
    // Its queue failed; new events are not recorded for it until an owner enables it again.
    expect((await deliveryRow(db(), head)).status).toBe('failed');
    await freeEvent();
    await settled(db(), webhook.id);
    const log = await owner.client.webhooks.deliveries.query({ webhookId: webhook.id });
    expect(log.items).toHaveLength(1);
    const enabled = await owner.client.webhooks.update.mutate({ id: webhook.id, enabled: true });
    expect(enabled).toMatchObject({ status: 'active', failingSince: null, disabledAt: null });
  });
});

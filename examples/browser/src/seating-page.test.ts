import { join } from 'node:path';
import { adminClient, publishEvent, signUp, signUpOrganizer } from '@evently/examples-testing';
import type { EventlyClient, SeatingPlanInput } from '@evently/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PageHarness, root, startPageHarness } from './page-harness.js';

/** Generous: the page's stream and reads share a loaded machine with the server. */
const SOON = { timeout: 30_000 };

/** A hall of rows of `perRow` seats, 50 units apart (the page scales them to fit). */
function hall(ticketTypeId: string, rows: string[], perRow = 6): SeatingPlanInput {
  return {
    focus: { x: 125, y: -80 },
    sections: [
      {
        key: 'stalls',
        name: 'Stalls',
        rows: rows.map((key, r) => ({
          key,
          label: key,
          seats: Array.from({ length: perRow }, (_, i) => ({
            key: String(i + 1),
            label: String(i + 1),
            ticketTypeId,
            x: i * 50,
            y: r * 50,
            // The front row's ends are for wheelchairs.
            accessible: r === 0 && (i === 0 || i === perRow - 1),
          })),
        })),
      },
    ],
  };
}

/** Seat ids by name ('A3': row A, seat 3), as the API's map has them now. */
async function seatIds(client: EventlyClient, eventId: string) {
  const map = await client.seating.map.query({ eventId });
  const byName = new Map(map.seats.map((s) => [`${s.row}${s.label}`, s.id]));
  return (...names: string[]) => names.map((n) => byName.get(n) ?? `missing ${n}`);
}

/** The states the page's SVG shows for these seats. */
const drawn = (page: Page, ids: string[]) =>
  Promise.all(
    ids.map((id) => page.locator(`#map [data-seat-id="${id}"]`).getAttribute('data-state')),
  );
const count = (page: Page, selector: string) => page.locator(selector).count();

describe('examples/browser: the seat map in headless Chromium against pnpm start (embedded)', () => {
  let harness: PageHarness;

  beforeAll(async () => {
    harness = await startPageHarness();
  });
  afterAll(async () => harness?.close());

  it('draws the seats with their states and follows holds, sales, blocks and plan edits live', async () => {
    const { api, browser } = harness;
    const admin = await adminClient(api);
    const org = await signUpOrganizer(api, admin, {
      email: 'sam@example.com',
      password: 'organizer passphrase 2',
      name: 'Sam',
    });
    const event = await publishEvent(org, {
      title: 'Chamber orchestra',
      venue: 'Recital hall',
      capacity: 40,
      priceCents: 3000,
    });
    const [ticketType] = await org.ticketTypes.list.query({ eventId: event.id });
    const typeId = ticketType?.id ?? '';
    await org.seating.setPlan.mutate({ eventId: event.id, plan: hall(typeId, ['A', 'B', 'C']) });
    let ids = await seatIds(org, event.id);
    await org.seating.block.mutate({ eventId: event.id, seatIds: ids('C6') });

    // The page without ?event: the visitor picks the event.
    const page = await browser.newPage({ viewport: { width: 960, height: 560 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(harness.url('/seating.html'));
    await page.waitForSelector(`#event option[value="${event.id}"]`, {
      ...SOON,
      state: 'attached',
    });
    await page.selectOption('#event', event.id);
    await page.waitForSelector('#status[data-state="live"]', SOON);
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    expect(new URL(page.url()).searchParams.get('event')).toBe(event.id);
    await expect
      .poll(() => page.locator('#title').textContent(), SOON)
      .toBe('Chamber orchestra — Recital hall');

    // 18 seats, wheelchair seats as squares, labelled; C6 blocked before the page opened.
    expect(await count(page, '#map .seat')).toBe(18);
    expect(await count(page, '#map rect.seat')).toBe(2);
    expect(await count(page, '#map .seat[data-state="available"]')).toBe(17);
    expect(await drawn(page, ids('C6'))).toEqual(['blocked']);
    expect(await page.locator('#map .row-label').allTextContents()).toEqual(['A', 'B', 'C']);
    expect(
      await page.locator(`#map [data-seat-id="${ids('A1')[0]}"]`).getAttribute('aria-label'),
    ).toBe('Section Stalls, row A, seat 1 (wheelchair accessible): available');

    // Someone books named seats through the API: held, then sold once paid.
    const ben = await signUp(api, { email: 'ben@example.com', name: 'Ben' });
    const book = (...seats: string[]) =>
      ben.bookings.create.mutate({
        eventId: event.id,
        items: [{ ticketTypeId: typeId, quantity: seats.length, seatIds: ids(...seats) }],
      });
    const pair = await book('A3', 'A4');
    await expect.poll(() => drawn(page, ids('A3', 'A4')), SOON).toEqual(['held', 'held']);
    await org.payments.markPaid.mutate({
      bookingId: pair.id,
      amountCents: pair.totalCents,
      currency: pair.currency,
      method: 'card',
      reference: 'card terminal 1',
    });
    await expect.poll(() => drawn(page, ids('A3', 'A4')), SOON).toEqual(['sold', 'sold']);

    // A hold cancelled frees its seat; the organizer unblocks one seat and blocks another.
    const single = await book('B1');
    await expect.poll(() => drawn(page, ids('B1')), SOON).toEqual(['held']);
    await ben.bookings.cancel.mutate({ bookingId: single.id });
    await org.seating.unblock.mutate({ eventId: event.id, seatIds: ids('C6') });
    await org.seating.block.mutate({ eventId: event.id, seatIds: ids('B6') });
    await expect
      .poll(() => drawn(page, ids('B1', 'C6', 'B6')), SOON)
      .toEqual(['available', 'available', 'blocked']);

    // Best available seats: the API picks two, the page shows which.
    await ben.bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: typeId, quantity: 2 }],
    });
    await expect.poll(() => count(page, '#map .seat[data-state="held"]'), SOON).toBe(2);

    // The organizer adds a row: the page reads the map again and redraws it, states kept.
    await org.seating.setPlan.mutate({
      eventId: event.id,
      expectedVersion: 1,
      plan: hall(typeId, ['A', 'B', 'C', 'D']),
    });
    await expect.poll(() => count(page, '#map .seat'), SOON).toBe(24);
    ids = await seatIds(org, event.id);
    expect(await page.locator('#map .row-label').allTextContents()).toEqual(['A', 'B', 'C', 'D']);
    expect(await drawn(page, ids('A3', 'A4', 'B6', 'D2'))).toEqual([
      'sold',
      'sold',
      'blocked',
      'available',
    ]);
    expect(await count(page, '#map .seat[data-state="held"]')).toBe(2);

    // On the page: a visitor signs in, picks two seats and books them; they turn held.
    await page.fill('input[name=email]', 'ben@example.com');
    await page.fill('input[name=password]', 'a password for the example tests');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#who:has-text("ben@example.com")', SOON);
    for (const id of ids('D2', 'D3')) await page.click(`#map [data-seat-id="${id}"]`);
    expect(await page.locator('#selection').textContent()).toBe('Selected: D2, D3.');
    await page.click('#book');
    await expect.poll(() => drawn(page, ids('D2', 'D3')), SOON).toEqual(['held', 'held']);
    expect(await page.locator('#booked').textContent()).toBe(
      'Booked Stalls D 2, Stalls D 3: held until paid.',
    );
    expect(await page.locator('#selection').textContent()).toBe('No seats selected.');

    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
    expect(await page.locator('#status').textContent()).toBe('live');
    expect(failures).toEqual([]);
    // The README's picture.
    await page.screenshot({ path: join(root, 'seating.png'), fullPage: true });
  });
});

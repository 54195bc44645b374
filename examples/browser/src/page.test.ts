import { join } from 'node:path';
import { adminClient, publishEvent, signUp, signUpOrganizer } from '@evently/examples-testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PageHarness, root, startPageHarness } from './page-harness.js';

const at = (iso: string, hours: number) =>
  new Date(new Date(iso).getTime() + hours * 3_600_000).toISOString();

/** The text of an event's availability cell. */
const shown = (page: Page, eventId: string) =>
  page.locator(`tr[data-event-id="${eventId}"] td.num`).textContent();

describe('examples/browser in headless Chromium against pnpm start (embedded)', () => {
  let harness: PageHarness;

  beforeAll(async () => {
    harness = await startPageHarness();
  });
  afterAll(async () => harness?.close());

  it('shows the events, and a booking made through the API changes the availability live', async () => {
    const { api, browser } = harness;
    const admin = await adminClient(api);
    const organizer = { email: 'olga@example.com', password: 'organizer passphrase 1' };
    const org = await signUpOrganizer(api, admin, { ...organizer, name: 'Olga' });
    const jazz = await publishEvent(org, {
      title: 'Jazz at the Lighthouse',
      venue: 'Lighthouse Café',
      startsAt: '2027-03-12T20:00:00.000Z',
      endsAt: at('2027-03-12T20:00:00.000Z', 3),
      capacity: 120,
      priceCents: 0,
    });
    const poetry = await publishEvent(org, {
      title: 'Poetry slam',
      venue: 'Backroom',
      startsAt: '2027-03-14T19:30:00.000Z',
      endsAt: at('2027-03-14T19:30:00.000Z', 2),
      capacity: 40,
      priceCents: 900,
    });
    const workshop = await publishEvent(org, {
      title: 'Risograph workshop',
      venue: 'Print studio',
      startsAt: '2027-03-20T10:00:00.000Z',
      endsAt: at('2027-03-20T10:00:00.000Z', 4),
      capacity: 2,
      priceCents: 4500,
    });

    const page = await browser.newPage({ viewport: { width: 960, height: 300 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(harness.url('/'));

    // The events, from the public list.
    await expect.poll(() => page.locator('#events tr').count()).toBe(3);
    expect(await page.locator('#events tr td:first-child').allTextContents()).toEqual(
      expect.arrayContaining(['Jazz at the Lighthouse', 'Poetry slam', 'Risograph workshop']),
    );
    expect(await shown(page, jazz.id)).toBe('120 of 120');
    expect(await shown(page, poetry.id)).toBe('40 of 40');

    // The organizer goes live: the page follows analytics.live over SSE.
    await page.fill('input[name=email]', organizer.email);
    await page.fill('input[name=password]', organizer.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#status[data-state="live"]');
    // A mark on this document: still there at the end means the page never reloaded.
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));

    // Bookings made through the API, by someone else.
    const reader = await signUp(api, { email: 'reader@example.com', name: 'Reader' });
    await reader.bookings.create.mutate({ eventId: jazz.id, quantity: 4 }); // free: confirmed
    await expect.poll(() => shown(page, jazz.id), { timeout: 15_000 }).toBe('116 of 120');

    // Paid seats are held until paid; the organizer's markPaid confirms them.
    const paid = (booking: { id: string; totalCents: number }) =>
      org.payments.markPaid.mutate({
        bookingId: booking.id,
        amountCents: booking.totalCents,
        currency: 'EUR',
        method: 'card',
        reference: `card terminal ${booking.id.slice(0, 8)}`,
      });
    await paid(await reader.bookings.create.mutate({ eventId: poetry.id, quantity: 2 }));
    await expect.poll(() => shown(page, poetry.id), { timeout: 15_000 }).toBe('38 of 40');

    await paid(await reader.bookings.create.mutate({ eventId: workshop.id, quantity: 2 }));
    await expect.poll(() => shown(page, workshop.id), { timeout: 15_000 }).toBe('sold out');

    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true);
    expect(await page.locator('#status').textContent()).toBe('live');
    expect(await page.locator('#last-change').textContent()).toBe(
      'Last change: Risograph workshop, 0 of 2 seats free',
    );
    expect(failures).toEqual([]);
    // The README's picture (animations run to their end, so no row is caught mid-flash).
    await page.screenshot({ path: join(root, 'screenshot.png'), animations: 'disabled' });
  });
});

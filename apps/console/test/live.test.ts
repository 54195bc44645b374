import { publishEvent } from '@evently/examples-testing';
import type { EventlyClient } from '@evently/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  expectAccessible,
  newOrganizer,
  type Organizer,
  screenshot,
  signIn,
  startConsole,
} from './console-harness.js';

// The live pages as `pnpm start` serves them: the sales dashboard and the seating view follow the
// API's streams, so bookings made elsewhere (through the SDK, as other people) show without a
// reload.
describe('console: live pages', () => {
  let harness: ConsoleHarness;
  let organizer: Organizer;
  let organizationId: string;
  beforeAll(async () => {
    harness = await startConsole();
    organizer = await newOrganizer(harness, 'Lena Live');
    organizationId = (await organizer.client.organizations.create.mutate({ name: 'Lena’s Arena' }))
      .id;
  });
  afterAll(async () => harness?.close());

  // Generous: the server, Chromium and the SSE streams share a loaded machine.
  const poll = { timeout: 30_000, interval: 200 };
  let buyers = 0;

  /** Another person, signed up through the SDK (they book what the organizer watches). */
  function newBuyer(): Promise<EventlyClient> {
    buyers += 1;
    const email = `buyer.${buyers}.${Date.now()}@example.com`;
    return harness.signUp({ email, name: `Buyer ${buyers}` });
  }

  /** The organizer marks the booking paid (cash at the box office): it is confirmed. */
  const payFor = (booking: { id: string; totalCents: number; currency: string }) =>
    organizer.client.payments.markPaid.mutate({
      bookingId: booking.id,
      amountCents: booking.totalCents,
      currency: booking.currency,
      method: 'cash',
      reference: `box-office-${booking.id.slice(0, 8)}`,
    });

  /** The live indicator says the stream is followed. */
  const waitForLive = (page: Page) =>
    expect
      .poll(() => page.locator('.live-indicator [role="status"]').textContent(), poll)
      .toContain('Live');

  it('shows sales on the dashboard as they happen, without a reload', async () => {
    const event = await publishEvent(organizer.client, {
      title: 'Live sales night',
      capacity: 40,
      priceCents: 2500,
      organizationId,
    });
    const context = await harness.browser.newContext();
    const page = await context.newPage();
    await signIn(harness, page, organizer);
    await page.goto(harness.url(`/events/${event.id}/dashboard`));
    await page.getByRole('heading', { name: 'Live dashboard' }).waitFor();
    await waitForLive(page);
    // A mark on the window survives only if the page is never loaded again.
    await page.evaluate(() => {
      Object.assign(window, { liveTestMarker: true });
    });

    const figure = (label: string) =>
      page.locator('.card', { hasText: label }).locator('.value').textContent();
    await expect.poll(() => figure('Tickets sold'), poll).toBe('0');

    const first = await (await newBuyer()).bookings.create.mutate({
      eventId: event.id,
      quantity: 2,
    });
    await expect.poll(() => figure('Held'), poll).toBe('2');
    await payFor(first);
    await expect.poll(() => figure('Tickets sold'), poll).toBe('2');
    await expect.poll(() => figure('Held'), poll).toBe('0');

    const second = await (await newBuyer()).bookings.create.mutate({
      eventId: event.id,
      quantity: 3,
    });
    await payFor(second);
    await expect.poll(() => figure('Tickets sold'), poll).toBe('5');
    await expect.poll(() => figure('Utilization'), poll).toMatch(/12\.5\s?%/);
    await expect.poll(() => figure('Revenue'), poll).toMatch(/125/);
    expect(await page.evaluate(() => 'liveTestMarker' in window)).toBe(true);
    // The per-type table and the time series say it in words too.
    await expect
      .poll(
        () => page.getByRole('table', { name: 'Seats and revenue per ticket type' }).textContent(),
        poll,
      )
      .toContain('5');
    await expect
      .poll(() => page.locator('.live-last').textContent(), poll)
      .toContain('Last update at');
    await expect
      .poll(() => page.locator('figure.chart figcaption').textContent(), poll)
      .toContain('5 tickets sold now');

    await expectAccessible(page, 'dashboard');
    await screenshot(page, 'dashboard');

    // This event sells without reserved seats: its seating page says so.
    await page
      .getByRole('navigation', { name: 'Event pages' })
      .getByRole('link', { name: 'Seating' })
      .click();
    await page.getByText('This event has no seating plan').waitFor();
    await context.close();
  });

  it('shows a seat turning held, then sold, on the seating plan', async () => {
    const event = await publishEvent(organizer.client, {
      title: 'Seated recital',
      capacity: 24,
      priceCents: 3000,
      organizationId,
    });
    const [type] = await organizer.client.ticketTypes.list.query({ eventId: event.id });
    if (!type) throw new Error('the event has no ticket type');
    const row = (key: string, y: number) => ({
      key,
      label: key,
      seats: Array.from({ length: 8 }, (_, i) => ({
        key: String(i + 1),
        label: String(i + 1),
        ticketTypeId: type.id,
        x: i,
        y,
      })),
    });
    await organizer.client.seating.setPlan.mutate({
      eventId: event.id,
      plan: {
        focus: { x: 3.5, y: -3 },
        sections: [
          { key: 'stalls', name: 'Stalls', rows: [row('A', 0), row('B', 1), row('C', 2)] },
        ],
      },
    });
    const map = await organizer.client.seating.map.query({ eventId: event.id });
    const seatIds = ['3', '4'].map(
      (label) => map.seats.find((s) => s.row === 'A' && s.label === label)?.id ?? 'missing',
    );

    const context = await harness.browser.newContext();
    const page = await context.newPage();
    await signIn(harness, page, organizer);
    await page.goto(harness.url(`/events/${event.id}/seating`));
    await page.getByRole('heading', { name: 'Seating', exact: true }).waitFor();
    await page.getByRole('img', { name: /Stalls/ }).waitFor();
    await waitForLive(page);

    const rowA = () =>
      page
        .locator('tr', { has: page.getByRole('rowheader', { name: 'Row A', exact: true }) })
        .textContent();
    await expect.poll(rowA, poll).toContain('none');

    const booking = await (await newBuyer()).bookings.create.mutate({
      eventId: event.id,
      items: [{ ticketTypeId: type.id, quantity: 2, seatIds }],
    });
    await expect.poll(rowA, poll).toContain('3 held, 4 held');
    await expect
      .poll(
        () => page.locator('svg.seat-map g > title', { hasText: 'Row A, seat 3: held' }).count(),
        poll,
      )
      .toBe(1);
    await expect.poll(() => page.locator('.seat-legend').textContent(), poll).toContain('Held: 2');

    await payFor(booking);
    await expect.poll(rowA, poll).toContain('3 sold, 4 sold');
    await expect
      .poll(
        () => page.locator('svg.seat-map g > title', { hasText: 'Row A, seat 4: sold' }).count(),
        poll,
      )
      .toBe(1);
    await expect.poll(() => page.locator('.seat-legend').textContent(), poll).toContain('Sold: 2');

    await expectAccessible(page, 'seating');
    await screenshot(page, 'seating');
    await context.close();
  });
});

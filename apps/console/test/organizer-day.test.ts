import type { EventlyClient, RouterOutputs } from '@evently/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  newOrganizer,
  screenshot,
  signIn,
  startConsole,
} from './console-harness.js';

// A whole organizer day in the console against `pnpm start`: sign in; create an event with two
// ticket types and a voucher through the forms; publish it; watch the live dashboard move while
// a script books and the box office is paid; cancel a booking; check a ticket in at the door and
// see the count move. Every step through the pages; the script is another process's SDK.

type Booking = RouterOutputs['bookings']['create'];
const poll = { timeout: 30_000, interval: 200 };

describe('console: an organizer’s day', () => {
  let harness: ConsoleHarness;
  beforeAll(async () => {
    harness = await startConsole();
  });
  afterAll(async () => harness?.close());

  /** Clicks one of the event's page tabs and waits for its heading. */
  async function tab(page: Page, name: string, heading: string | RegExp) {
    await page.getByRole('navigation', { name: 'Event pages' }).getByRole('link', { name }).click();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  }

  it('runs an event from its creation to the door', async () => {
    const organizer = await newOrganizer(harness, 'Dana Dayrunner');
    await organizer.client.organizations.create.mutate({ name: 'Dana’s Dome' });
    const context = await harness.browser.newContext({ timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    await signIn(harness, page, organizer);

    // Morning: the event, its two ticket types and a voucher, then published.
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Events' })
      .click();
    await page.getByRole('link', { name: 'New event' }).click();
    const year = new Date().getFullYear() + 1;
    const form = page.getByRole('form', { name: 'New event' });
    await form.getByLabel('Title', { exact: true }).fill('Dome Sessions');
    await form.getByLabel('Venue', { exact: true }).fill('The Dome');
    await form.getByLabel('Starts', { exact: true }).fill(`${year}-06-12T20:00`);
    await form.getByLabel('Ends', { exact: true }).fill(`${year}-06-12T23:00`);
    await form.getByLabel('Capacity', { exact: true }).fill('50');
    await form.getByLabel('Price', { exact: true }).fill('20');
    await form.getByLabel('Currency', { exact: true }).fill('EUR');
    await form.getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('heading', { name: 'Dome Sessions', level: 1 }).waitFor();
    const eventId = /\/events\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    expect(eventId).not.toBe('');

    await tab(page, 'Ticket types & quotas', 'Ticket types & quotas');
    const newType = page.getByRole('form', { name: 'New ticket type' });
    const types = page.getByRole('table', { name: 'Ticket types' });
    for (const [name, price] of [
      ['Early bird', '15'],
      ['Regular', '20'],
    ] as const) {
      await newType.getByLabel('Name', { exact: true }).fill(name);
      await newType.getByLabel('Price', { exact: true }).fill(price);
      await newType.getByRole('button', { name: 'Add ticket type' }).click();
      await types.getByRole('rowheader', { name }).waitFor();
      await expect.poll(() => newType.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    }

    await tab(page, 'Vouchers', 'Vouchers');
    const voucher = page.getByRole('form', { name: 'New voucher' });
    await voucher.getByLabel('Effect', { exact: true }).selectOption({ label: 'Percentage off' });
    await voucher.getByLabel('Percent off', { exact: true }).fill('10');
    await voucher.getByLabel('Code', { exact: true }).fill('FRIENDS');
    await voucher.getByRole('button', { name: 'Create voucher' }).click();
    await page.getByRole('rowheader', { name: 'friends' }).waitFor();

    await tab(page, 'Overview', 'Dome Sessions');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, publish' }).click();
    await page.getByRole('button', { name: 'Cancel event' }).waitFor();
    const listed = await organizer.client.ticketTypes.list.query({ eventId });
    const typeId = (name: string) => listed.find((t) => t.name === name)?.id ?? '';
    expect(typeId('Early bird')).not.toBe('');
    expect(typeId('Regular')).not.toBe('');

    // Afternoon: the dashboard, live, while a script books and the box office is paid.
    await tab(page, 'Live dashboard', 'Live dashboard');
    await expect
      .poll(() => page.locator('.live-indicator [role="status"]').textContent(), poll)
      .toContain('Live');
    await page.evaluate(() => Object.assign(window, { organizerDayMarker: true }));
    const figure = (label: string) =>
      page.locator('.card', { hasText: label }).locator('.value').textContent();
    await expect.poll(() => figure('Tickets sold'), poll).toBe('0');

    const buyers: EventlyClient[] = [];
    for (const n of [1, 2, 3]) {
      const email = `day.buyer.${n}.${Date.now()}@example.com`;
      buyers.push(await harness.signUp({ email, name: `Guest ${n}` }));
    }
    const orders: Array<Parameters<EventlyClient['bookings']['create']['mutate']>[0]> = [
      { eventId, items: [{ ticketTypeId: typeId('Early bird'), quantity: 2 }] },
      {
        eventId,
        items: [{ ticketTypeId: typeId('Regular'), quantity: 1 }],
        voucherCode: 'FRIENDS',
      },
      { eventId, items: [{ ticketTypeId: typeId('Regular'), quantity: 2 }] },
    ];
    const booked: Booking[] = [];
    for (const [i, order] of orders.entries()) {
      const buyer = buyers[i] as EventlyClient;
      const booking = await buyer.bookings.create.mutate(order);
      await organizer.client.payments.markPaid.mutate({
        bookingId: booking.id,
        amountCents: booking.totalCents,
        currency: booking.currency,
        method: 'cash',
        reference: `day-${i}`,
      });
      booked.push(booking);
    }
    // 2 × 15 + 18 (10% off) + 2 × 20 = 88 € for 5 tickets, shown without a reload.
    await expect.poll(() => figure('Tickets sold'), poll).toBe('5');
    await expect.poll(() => figure('Revenue'), poll).toMatch(/88/);
    expect(await page.evaluate(() => 'organizerDayMarker' in window)).toBe(true);
    await screenshot(page, 'organizer-day-dashboard');

    // Evening: a guest cannot come; the organizer cancels their booking.
    const [early, friend, late] = booked as [Booking, Booking, Booking];
    await tab(page, 'Bookings', 'Bookings');
    const short = late.id.slice(0, 8);
    await page.getByRole('button', { name: `Cancel booking ${short}` }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel booking ${short}?` });
    await dialog.getByLabel('Reason').fill('Guest fell ill');
    await dialog.getByRole('button', { name: 'Confirm cancellation' }).click();
    await page.getByText(`Booking ${short} is cancelled.`).waitFor();
    expect((await organizer.client.bookings.get.query({ bookingId: late.id })).status).toBe(
      'cancelled',
    );
    await tab(page, 'Live dashboard', 'Live dashboard');
    await expect.poll(() => figure('Tickets sold'), poll).toBe('3');

    // At the door: a ticket checked in by its code, and the count moves.
    const ticketOf = async (buyer: EventlyClient, booking: Booking) => {
      await expect
        .poll(
          async () => (await buyer.tickets.forBooking.query({ bookingId: booking.id })).length,
          {
            timeout: 60_000,
          },
        )
        .toBeGreaterThan(0);
      const [ticket] = await buyer.tickets.forBooking.query({ bookingId: booking.id });
      return ticket?.code ?? '';
    };
    const code = await ticketOf(buyers[1] as EventlyClient, friend);
    await tab(page, 'Check-in', 'Check-in');
    await page.getByRole('heading', { name: 'Create a check-in list to start' }).waitFor();
    await page.getByLabel('List name').fill('Front door');
    await page.getByRole('button', { name: 'Create check-in list' }).click();
    await page.getByRole('heading', { name: 'Scanning for “Front door”' }).waitFor();
    const count = page.locator('.checkin-count');
    await expect.poll(() => count.textContent(), poll).toContain('0 checked in of 3');
    await page.getByLabel('Ticket code').fill(code);
    await page.getByLabel('Ticket code').press('Enter');
    const result = page.getByRole('status', { name: 'Scan result' });
    await expect.poll(() => result.textContent(), poll).toContain('OK: checked in');
    await expect.poll(() => count.textContent(), poll).toContain('1 checked in of 3');
    await screenshot(page, 'organizer-day-checkin');
    // The early birds are still expected: their tickets are valid, not yet in.
    expect(await ticketOf(buyers[0] as EventlyClient, early)).not.toBe('');
    await context.close();
  });
});

import { readFile } from 'node:fs/promises';
import { publishEvent } from '@evently/examples-testing';
import type { EventlyClient, RouterOutputs } from '@evently/sdk';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  expectAccessible,
  newOrganizer,
  screenshot,
  signIn,
  startConsole,
} from './console-harness.js';

type Ticket = RouterOutputs['tickets']['forBooking'][number];

/** Polls until `done` holds (tickets are issued by the worker a moment after confirmation). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      record.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return records;
}

/** The short id the console's tables show. */
const short = (id: string) => id.slice(0, 8);

// An organizer's bookings, waitlist and check-in pages against `pnpm start`: two attendees
// booked through the SDK; one cancelled in the console, the bookings exported, the other's ticket
// checked in by its code (and refused the second time), on a desktop and a phone-size screen.
describe('console: bookings, waitlist, check-in', () => {
  let harness: ConsoleHarness;
  beforeAll(async () => {
    harness = await startConsole();
  });
  afterAll(async () => harness?.close());

  async function attendee(name: string, eventId: string) {
    const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@example.com`;
    const client: EventlyClient = await harness.signUp({ email, name });
    let booking = await client.bookings.create.mutate({ eventId, quantity: 1 });
    if (booking.status === 'pending') {
      booking = await client.bookings.confirm.mutate({ bookingId: booking.id });
    }
    expect(booking.status).toBe('confirmed');
    const tickets = await until(
      () => client.tickets.forBooking.query({ bookingId: booking.id }),
      (issued) => issued.length === 1,
    );
    return { client, booking, ticket: tickets[0] as Ticket };
  }

  /** Types a code into the door's field and presses Enter; the answer's text when it shows. */
  async function scan(page: Page, code: string, scanNumber: number): Promise<string> {
    await page.getByLabel('Ticket code').fill(code);
    await page.getByLabel('Ticket code').press('Enter');
    const result = page.getByRole('status', { name: 'Scan result' });
    await result.getByText(`Scan ${scanNumber}`, { exact: true }).waitFor();
    return (await result.textContent()) ?? '';
  }

  it('lists, cancels and exports bookings; shows the waitlist; checks a ticket in', async () => {
    const organizer = await newOrganizer(harness, 'Bianca Box Office');
    const organization = await organizer.client.organizations.create.mutate({
      name: `Bianca’s Venue ${Date.now()}`,
    });
    const event = await publishEvent(organizer.client, {
      organizationId: organization.id,
      title: 'Attendees, night one',
      priceCents: 0,
      capacity: 10,
    });
    const ann = await attendee('Ann Attendee', event.id);
    const bea = await attendee('Bea Attendee', event.id);

    const context = await harness.browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    await signIn(harness, page, organizer);

    // Both bookings, confirmed.
    await page.goto(harness.url(`/events/${event.id}/bookings`));
    await page.getByRole('heading', { name: 'Bookings', level: 1 }).waitFor();
    const rowOf = (id: string) => page.getByRole('row').filter({ hasText: short(id) });
    await rowOf(ann.booking.id).getByText('Confirmed').waitFor();
    await rowOf(bea.booking.id).getByText('Confirmed').waitFor();

    // Ann's cancelled, with a reason, after the confirm step; the API agrees.
    await page.getByRole('button', { name: `Cancel booking ${short(ann.booking.id)}` }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel booking ${short(ann.booking.id)}?` });
    await dialog.getByLabel('Reason').fill('Asked by phone to cancel');
    await dialog.getByRole('button', { name: 'Confirm cancellation' }).click();
    await page.getByText(`Booking ${short(ann.booking.id)} is cancelled.`).waitFor();
    await rowOf(ann.booking.id).getByText('Cancelled').waitFor();
    const cancelled = await ann.client.bookings.get.query({ bookingId: ann.booking.id });
    expect(cancelled.status).toBe('cancelled');

    // The search filters the loaded bookings by id.
    await page.getByLabel('Search').fill(short(bea.booking.id));
    await expect.poll(() => rowOf(ann.booking.id).count()).toBe(0);
    await rowOf(bea.booking.id).waitFor();
    await page.getByLabel('Search').fill('');
    // The status filter asks the API for cancelled bookings only.
    await page.getByLabel('Status').selectOption('cancelled');
    await expect.poll(() => rowOf(bea.booking.id).count()).toBe(0);
    await rowOf(ann.booking.id).waitFor();
    await page.getByLabel('Status').selectOption('');
    await rowOf(bea.booking.id).waitFor();

    // The CSV: every booking, walked page by page, downloaded.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export all bookings (CSV)' }).click(),
    ]);
    await page.getByText('Exported 2 bookings.').waitFor();
    expect(download.suggestedFilename()).toMatch(/^bookings-attendees-night-one-.*\.csv$/);
    const text = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
    const [header, ...rows] = parseCsv(text);
    expect(header?.slice(0, 2)).toEqual(['booking_id', 'status']);
    expect(rows).toHaveLength(2);
    const statusOf = new Map(rows.map((r) => [r[0], r[1]]));
    expect(statusOf.get(ann.booking.id)).toBe('cancelled');
    expect(statusOf.get(bea.booking.id)).toBe('confirmed');
    await expectAccessible(page, 'bookings');
    await screenshot(page, 'bookings');

    // The waitlist: nobody waits.
    const tabs = page.getByRole('navigation', { name: 'Event pages' });
    await tabs.getByRole('link', { name: 'Waitlist' }).click();
    await page.getByRole('heading', { name: 'Waitlist', level: 1 }).waitFor();
    await page.getByText('No one is on the waitlist of this event.').waitFor();
    await expectAccessible(page, 'waitlist');
    await screenshot(page, 'waitlist');

    // Check-in: a list made here, Bea's ticket in by its code, then refused the second time.
    await tabs.getByRole('link', { name: 'Check-in' }).click();
    await page.getByRole('heading', { name: 'Create a check-in list to start' }).waitFor();
    await page.getByLabel('List name').fill('Main door');
    await page.getByRole('button', { name: 'Create check-in list' }).click();
    await page.getByRole('heading', { name: 'Scanning for “Main door”' }).waitFor();
    const count = page.locator('.checkin-count');
    await expect.poll(() => count.textContent()).toContain('0 checked in of 1');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('ticket-code');

    const first = await scan(page, bea.ticket.code, 1);
    expect(first).toContain('OK: checked in');
    expect(first).toContain('Bea Attendee');
    await expect.poll(() => count.textContent()).toContain('1 checked in of 1');
    const again = await scan(page, bea.ticket.code, 2);
    expect(again).toContain('Refused: already checked in');
    expect(again).toContain('This ticket came in on');
    await expect.poll(() => count.textContent()).toContain('1 checked in of 1');
    await expectAccessible(page, 'checkin');
    await screenshot(page, 'checkin');
    const listUrl = page.url();
    await context.close();

    // On a phone: the same list (kept in the address); Ann's cancelled ticket is refused.
    const phone = await harness.browser.newContext({ viewport: { width: 390, height: 844 } });
    const phonePage = await phone.newPage();
    await signIn(harness, phonePage, organizer);
    await phonePage.goto(listUrl);
    await phonePage.getByRole('heading', { name: 'Scanning for “Main door”' }).waitFor();
    // The camera is offered, never started unasked.
    await phonePage.getByRole('button', { name: 'Start camera' }).waitFor();
    const refused = await scan(phonePage, ann.ticket.code, 1);
    expect(refused).toContain('Refused: ticket cancelled');
    const unknown = await scan(phonePage, 'not-a-ticket', 2);
    expect(unknown).toContain('Refused: unknown code');
    // A scanner fires codes back to back: the second Enter comes while the first is answered
    // (a disabled Check button swallowed it) and both are answered.
    const field = phonePage.getByLabel('Ticket code');
    await field.fill('not-a-ticket-either');
    await field.press('Enter');
    await field.fill('nor-this-one');
    await field.press('Enter');
    const burst = phonePage.getByRole('status', { name: 'Scan result' });
    await burst.getByText('Scan 4', { exact: true }).waitFor();
    expect(await burst.textContent()).toContain('Refused: unknown code');
    // The page fits the phone: no horizontal scrolling, the door's controls within 390 px.
    expect(
      await phonePage.evaluate(() => document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(390);
    for (const control of [
      phonePage.getByRole('textbox', { name: 'Ticket code' }),
      phonePage.getByRole('button', { name: 'Check', exact: true }),
      phonePage.getByRole('status', { name: 'Scan result' }),
    ]) {
      const box = await control.boundingBox();
      expect(box && box.x + box.width).toBeLessThanOrEqual(390);
    }
    const overflowing = await phonePage.evaluate(() =>
      [...document.querySelectorAll('.scan-station *')]
        .filter((el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
        .map((el) => el.className || el.tagName),
    );
    expect(overflowing).toEqual([]);
    await expectAccessible(phonePage, 'checkin-phone');
    await screenshot(phonePage, 'checkin-phone');
    await phone.close();
  });
});

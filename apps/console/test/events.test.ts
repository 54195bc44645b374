import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  expectAccessible,
  newOrganizer,
  screenshot,
  signIn,
  startConsole,
} from './console-harness.js';

// The events pages as `pnpm start` serves them: an organizer creates an event through the form,
// edits it (someone else's change meanwhile told in words), adds two ticket types, a quota and a
// voucher through the forms, publishes it, and the API agrees with what the pages showed.
describe('console: events', () => {
  let harness: ConsoleHarness;
  beforeAll(async () => {
    harness = await startConsole();
  });
  afterAll(async () => harness?.close());

  it('creates, edits, stocks and publishes an event through the pages', async () => {
    const organizer = await newOrganizer(harness, 'Evan Events');
    const organization = await organizer.client.organizations.create.mutate({
      name: 'Evan’s Hall',
    });
    // A fixed zone, so the local times typed below are known instants (May: UTC+2).
    const context = await harness.browser.newContext({ timezoneId: 'Europe/Berlin' });
    const page = await context.newPage();
    await signIn(harness, page, organizer);

    // The list, empty.
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Events' })
      .click();
    await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
    await page.getByText('Evan’s Hall has no events yet.').waitFor();

    // A new event through the form.
    await page.getByRole('link', { name: 'New event' }).click();
    const year = new Date().getFullYear() + 1;
    const create = page.getByRole('form', { name: 'New event' });
    await create.getByLabel('Title', { exact: true }).fill('Jazz at the Hall');
    await create.getByLabel('Venue', { exact: true }).fill('Main room');
    await create.getByLabel('Description', { exact: true }).fill('An evening of jazz.');
    await create.getByLabel('Starts', { exact: true }).fill(`${year}-05-01T19:00`);
    await create.getByLabel('Ends', { exact: true }).fill(`${year}-05-01T22:00`);
    await create.getByLabel('Capacity', { exact: true }).fill('120');
    await create.getByLabel('Price', { exact: true }).fill('25.50');
    await create.getByLabel('Currency', { exact: true }).fill('EUR');
    await create.getByLabel('Tickets per booking', { exact: true }).fill('6');
    await expectAccessible(page, 'event-new');
    await screenshot(page, 'event-new');
    await create.getByRole('button', { name: 'Create draft' }).click();
    await page.getByRole('heading', { name: 'Jazz at the Hall', level: 1 }).waitFor();
    const eventId = /\/events\/([0-9a-f-]{36})$/.exec(page.url())?.[1];
    expect(eventId).toBeDefined();
    const id = eventId as string;

    // Someone else changes the event meanwhile: saving says so, and loading theirs refills.
    const before = await organizer.client.events.get.query({ id });
    await organizer.client.events.update.mutate({
      id,
      expectedVersion: before.version,
      patch: { title: 'Jazz at the Great Hall' },
    });
    const edit = page.getByRole('form', { name: 'Edit event' });
    await edit.getByLabel('Venue', { exact: true }).fill('Garden stage');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('alert').getByText('Someone else changed this event').waitFor();
    await page.getByRole('button', { name: 'Load the latest version' }).click();
    await expect
      .poll(() => edit.getByLabel('Title', { exact: true }).inputValue())
      .toBe('Jazz at the Great Hall');
    await edit.getByLabel('Venue', { exact: true }).fill('Garden stage');
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Changes saved.').waitFor();

    // Two ticket types (one hidden) and a quota they share.
    await page
      .getByRole('navigation', { name: 'Event pages' })
      .getByRole('link', { name: 'Ticket types & quotas' })
      .click();
    await page.getByRole('heading', { name: 'Ticket types & quotas', level: 1 }).waitFor();
    const newType = page.getByRole('form', { name: 'New ticket type' });
    const typesTable = page.getByRole('table', { name: 'Ticket types' });
    await newType.getByLabel('Name', { exact: true }).fill('Standard');
    await newType.getByLabel('Price', { exact: true }).fill('25.50');
    await newType.getByLabel('At most per booking', { exact: true }).fill('6');
    await newType.getByRole('button', { name: 'Add ticket type' }).click();
    await typesTable.getByRole('rowheader', { name: 'Standard' }).waitFor();
    await expect.poll(() => newType.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    await newType.getByLabel('Name', { exact: true }).fill('Student');
    await newType.getByLabel('Price', { exact: true }).fill('12.50');
    await newType.getByLabel('Capacity', { exact: true }).fill('30');
    await newType.getByLabel('Hidden: sold only with a voucher that unlocks it').check();
    await newType.getByRole('button', { name: 'Add ticket type' }).click();
    await typesTable.getByRole('rowheader', { name: 'Student' }).waitFor();
    const newQuota = page.getByRole('form', { name: 'New quota' });
    await newQuota.getByLabel('Quota name', { exact: true }).fill('Floor');
    await newQuota.getByLabel('Size', { exact: true }).fill('80');
    await newQuota.getByLabel('Standard', { exact: true }).check();
    await newQuota.getByLabel('Student', { exact: true }).check();
    await newQuota.getByRole('button', { name: 'Add quota' }).click();
    await page
      .getByRole('table', { name: 'Quotas' })
      .getByRole('rowheader', { name: 'Floor' })
      .waitFor();
    await expectAccessible(page, 'ticket-types');
    await screenshot(page, 'ticket-types');

    // A voucher: 20% off the hidden Student type, which it unlocks.
    await page
      .getByRole('navigation', { name: 'Event pages' })
      .getByRole('link', { name: 'Vouchers' })
      .click();
    await page.getByRole('heading', { name: 'Vouchers', level: 1 }).waitFor();
    await page.getByText('No vouchers yet.').waitFor();
    const newVoucher = page.getByRole('form', { name: 'New voucher' });
    await newVoucher
      .getByLabel('Effect', { exact: true })
      .selectOption({ label: 'Percentage off' });
    await newVoucher.getByLabel('Percent off', { exact: true }).fill('20');
    await newVoucher.getByLabel('Code', { exact: true }).fill('STUDENT20');
    await newVoucher.getByLabel('Uses per code', { exact: true }).fill('5');
    await newVoucher.getByLabel('Student', { exact: true }).check();
    await newVoucher.getByLabel('Unlocks hidden ticket types').check();
    await newVoucher.getByRole('button', { name: 'Create voucher' }).click();
    await page.getByRole('status').getByText('Voucher created:').waitFor();
    await page.getByRole('rowheader', { name: 'student20' }).waitFor();
    await expectAccessible(page, 'vouchers');
    await screenshot(page, 'vouchers');

    // Publish, with its confirm step.
    await page
      .getByRole('navigation', { name: 'Event pages' })
      .getByRole('link', { name: 'Overview' })
      .click();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, publish' }).click();
    await page.getByRole('button', { name: 'Cancel event' }).waitFor();
    await expectAccessible(page, 'event-overview');
    await screenshot(page, 'event-overview');

    // The API agrees with what the pages showed.
    const event = await organizer.client.events.get.query({ id });
    expect(event).toMatchObject({
      status: 'published',
      organizationId: organization.id,
      title: 'Jazz at the Great Hall',
      venue: 'Garden stage',
      description: 'An evening of jazz.',
      startsAt: expect.stringMatching(new RegExp(`^${year}-05-01T17:00:00(\\.000)?Z$`)),
      capacity: 120,
      priceCents: 2550,
      currency: 'EUR',
      maxPerBooking: 6,
    });
    expect(new Date(event.endsAt).getTime() - new Date(event.startsAt).getTime()).toBe(
      3 * 3_600_000,
    );
    const types = await organizer.client.ticketTypes.list.query({ eventId: id });
    const standard = types.find((t) => t.name === 'Standard');
    const student = types.find((t) => t.name === 'Student');
    expect(standard).toMatchObject({ priceCents: 2550, maxPerBooking: 6, hidden: false });
    expect(student).toMatchObject({ priceCents: 1250, hidden: true, status: 'active' });
    const quotas = await organizer.client.quotas.list.query({ eventId: id });
    const floor = quotas.find((q) => q.name === 'Floor');
    expect(floor?.size).toBe(80);
    expect([...(floor?.ticketTypeIds ?? [])].sort()).toEqual([standard?.id, student?.id].sort());
    // The capacity shortcut made Student's own quota of 30.
    expect(quotas.some((q) => q.size === 30 && q.ticketTypeIds[0] === student?.id)).toBe(true);
    const vouchers = await organizer.client.vouchers.list.query({ eventId: id });
    expect(vouchers.items).toHaveLength(1);
    expect(vouchers.items[0]).toMatchObject({
      code: 'student20',
      maxUses: 5,
      effect: { kind: 'percent', percent: 20 },
      ticketTypeIds: [student?.id],
      unlocksHidden: true,
      disabled: false,
    });

    // The list shows it, published.
    await page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Events' })
      .click();
    const row = page
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'Jazz at the Great Hall' }) });
    await row.getByText('published').waitFor();
    await expectAccessible(page, 'events');
    await screenshot(page, 'events');
    await context.close();
  });
});

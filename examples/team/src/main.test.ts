import { fileURLToPath } from 'node:url';
import {
  adminClient,
  type EmbeddedApi,
  invitationCode,
  publishEvent,
  runExample as runExampleIn,
  signUp,
  signUpOrganizer,
  startEmbeddedApi,
} from '@evently/examples-testing';
import type { EventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const runExample = (args: string[], as: { email: string; password: string }) =>
  runExampleIn(exampleDir, args, { EVENTLY_EMAIL: as.email, EVENTLY_PASSWORD: as.password });

describe('examples/team against pnpm start (embedded)', () => {
  const owner = { email: 'owen@example.com', password: 'owner passphrase 123' };
  const staff = { email: 'sam@example.com', password: 'staff passphrase 123' };
  let api: EmbeddedApi;
  let organizer: EventlyClient;
  let ada: EventlyClient;
  let eventId: string;

  beforeAll(async () => {
    api = await startEmbeddedApi();
    const admin = await adminClient(api);
    organizer = await signUpOrganizer(api, admin, { ...owner, name: 'Owen' });
    // The first event makes Owen's personal organization, which he owns.
    eventId = (await publishEvent(organizer, { capacity: 20, priceCents: 0 })).id;
    await signUp(api, { ...staff, name: 'Sam' });
    ada = await signUp(api, { email: 'ada@example.com', name: 'Ada' });
    const bo = await signUp(api, { email: 'bo@example.com', name: 'Bo' });
    for (const attendee of [ada, bo])
      await attendee.bookings.create.mutate({ eventId, quantity: 1 });
  });
  afterAll(async () => api?.stop());

  it('the owner invites staff, who read the attendee list but may not cancel a booking', async () => {
    // Before joining, the list is not Sam's to read.
    const before = await runExample(['door', '--url', api.url, '--event', eventId], staff);
    expect(before.stderr).toMatch(/^FORBIDDEN: /);
    expect(before.code).toBe(1);

    const invited = await runExample(
      ['invite', '--url', api.url, '--email', staff.email, '--role', 'staff'],
      owner,
    );
    expect(invited.code).toBe(0);
    expect(invited.stdout).toMatch(/^invited sam@example\.com as staff; the code is in their mail/);
    const code = await invitationCode(api.url, staff.email);
    expect(invited.stdout).not.toContain(code);

    const accepted = await runExample(['accept', '--url', api.url, '--code', code], staff);
    expect(accepted.stdout).toMatch(/^joined organization [0-9a-f-]{36} as staff\n$/);
    const door = await runExample(['door', '--url', api.url, '--event', eventId], staff);
    expect(door.stdout).toBe('attendee list: 2 confirmed booking(s)\ncancelling one: FORBIDDEN\n');
    expect(door.code).toBe(0);
    // The owner may: the same check as the owner cancels one.
    const asOwner = await runExample(['door', '--url', api.url, '--event', eventId], owner);
    expect(asOwner.stdout).toBe(
      'attendee list: 2 confirmed booking(s)\ncancelling one: cancelled\n',
    );
  });

  it('the owner marks a payment, which confirms the booking, then pays back a refund', async () => {
    // A paid event whose attendees get their money back minus 10 % when they cancel.
    const concert = await publishEvent(organizer, {
      capacity: 10,
      priceCents: 2500,
      cancellationPolicy: { feePercent: 10 },
    });
    const held = await ada.bookings.create.mutate({ eventId: concert.id, quantity: 1 });
    expect(held).toMatchObject({ status: 'pending', totalCents: 2500, currency: 'EUR' });
    // Ada cannot confirm a paid seat herself: it is confirmed by its payment.
    await expect(ada.bookings.confirm.mutate({ bookingId: held.id })).rejects.toMatchObject({
      appCode: 'PAYMENT_REQUIRED',
    });

    const markPaid = (amount: string, as: { email: string; password: string }) => {
      const payment = ['--amount', amount, '--currency', 'eur', '--method', 'cash'];
      const args = [
        '--url',
        api.url,
        '--booking',
        held.id,
        ...payment,
        '--reference',
        'box office 17',
      ];
      return runExample(['mark-paid', ...args], as);
    };
    const byStaff = await markPaid('25.00', staff);
    expect(byStaff.stderr).toMatch(/^FORBIDDEN: /);
    expect(byStaff.code).toBe(1);
    const short = await markPaid('20.00', owner);
    expect(short.stderr).toMatch(/^PAYMENT_MISMATCH: /);
    expect(short.code).toBe(1);
    expect((await ada.bookings.get.query({ bookingId: held.id })).status).toBe('pending');

    const paid = await markPaid('25', owner);
    expect(paid.stderr).toBe('');
    expect(paid.stdout).toBe(`booking ${held.id} confirmed: €25.00 received by cash\n`);
    const money = await ada.payments.forBooking.query({ bookingId: held.id });
    expect(money.payments).toEqual([
      expect.objectContaining({
        provider: 'manual',
        method: 'cash',
        amountCents: 2500,
        currency: 'EUR',
        reference: 'box office 17',
      }),
    ]);

    // Ada cancels: a refund of the total minus the fee is recorded, for the organizer to pay.
    await ada.bookings.cancel.mutate({ bookingId: held.id });
    const listed = await runExample(['refunds', '--url', api.url, '--event', concert.id], owner);
    const line = new RegExp(
      `^ {2}(\\S+) {2}€22\\.50 {2}booking ${held.id} {2}\\(cancelled by the attendee\\)$`,
    );
    const [heading, listedRefund, ...rest] = listed.stdout.split('\n');
    expect([heading, listedRefund, ...rest]).toEqual([
      '1 refund(s) to pay back',
      expect.stringMatching(line),
      '',
    ]);
    const refundId = line.exec(listedRefund ?? '')?.[1] ?? '';
    const args = ['--url', api.url, '--refund', refundId, '--reference', 'transfer back 17'];
    const done = await runExample(['refund-done', ...args], owner);
    expect(done.stdout).toBe(`refund ${refundId} succeeded: €22.50 paid back (transfer back 17)\n`);
    const after = await runExample(['refunds', '--url', api.url, '--event', concert.id], owner);
    expect(after.stdout).toBe('0 refund(s) to pay back\n');
    expect((await ada.payments.forBooking.query({ bookingId: held.id })).refunds).toEqual([
      expect.objectContaining({
        amountCents: 2250,
        status: 'succeeded',
        reference: 'transfer back 17',
      }),
    ]);
  });
});

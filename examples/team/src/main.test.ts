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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));
const runExample = (args: string[], as: { email: string; password: string }) =>
  runExampleIn(exampleDir, args, { EVENTLY_EMAIL: as.email, EVENTLY_PASSWORD: as.password });

describe('examples/team against pnpm start (embedded)', () => {
  const owner = { email: 'owen@example.com', password: 'owner passphrase 123' };
  const staff = { email: 'sam@example.com', password: 'staff passphrase 123' };
  let api: EmbeddedApi;
  let eventId: string;

  beforeAll(async () => {
    api = await startEmbeddedApi();
    const admin = await adminClient(api);
    const organizer = await signUpOrganizer(api, admin, { ...owner, name: 'Owen' });
    // The first event makes Owen's personal organization, which he owns.
    eventId = (await publishEvent(organizer, { capacity: 20, priceCents: 0 })).id;
    await signUp(api, { ...staff, name: 'Sam' });
    for (const name of ['Ada', 'Bo']) {
      const attendee = await signUp(api, { email: `${name.toLowerCase()}@example.com`, name });
      await attendee.bookings.create.mutate({ eventId, quantity: 1 });
    }
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
});

import { invitationCode } from '@evently/examples-testing';
import { createEventlyClient, isEventlyError } from '@evently/sdk';
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

/** The API's code for what a call threw (or 'none' when it did not throw). */
async function appCodeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'none';
  } catch (error) {
    return isEventlyError(error) ? error.appCode : String(error);
  }
}

/** Goes to a page through the side navigation, as a person would. */
async function open(page: Page, label: string, heading: string) {
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: label })
    .click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

// The team and admin pages against `pnpm start`: an owner invites and re-roles a member, makes
// and revokes an API key (the key works, then is refused), adds a webhook and tests it; the
// platform admin sees the users and the mail dead letters.
describe('console: team and admin pages', () => {
  let harness: ConsoleHarness;
  beforeAll(async () => {
    harness = await startConsole();
  });
  afterAll(async () => harness?.close());

  it('runs the team, API keys and webhooks of an organization, and the admin pages', async () => {
    const owner = await newOrganizer(harness, 'Tess Owner');
    const organization = await owner.client.organizations.create.mutate({
      name: `Tess’s Theatre ${Date.now()}`,
    });
    const inviteeEmail = `ivan.invitee.${Date.now()}@example.com`;
    const _api = { ...harness.api, stop: async () => {} };
    const invitee = await harness.signUp({ email: inviteeEmail, name: 'Ivan Invitee' });

    const context = await harness.browser.newContext();
    const page = await context.newPage();
    await signIn(harness, page, owner);

    // Members: invite by email and role; the invitee accepts with the mailed code.
    await open(page, 'Members', 'Members');
    await page.getByRole('table', { name: `Members of ${organization.name}` }).waitFor();
    await page.getByLabel('Email address').fill(inviteeEmail);
    await page.getByLabel('Role', { exact: true }).selectOption('manager');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText(`Invitation sent to ${inviteeEmail} as manager`).waitFor();
    const code = await invitationCode(harness.api.url, inviteeEmail, 60_000);
    await invitee.organizations.invitations.accept.mutate({ code });
    await page.reload();
    await page.getByRole('rowheader', { name: 'Ivan Invitee' }).waitFor();

    // Their role changed from the list.
    await page.getByLabel('Role of Ivan Invitee').selectOption('staff');
    await page.getByRole('button', { name: 'Save role of Ivan Invitee' }).click();
    await expect
      .poll(async () => {
        const members = await owner.client.organizations.members.list.query({
          organizationId: organization.id,
        });
        return members.items.find((m) => m.email === inviteeEmail)?.role;
      })
      .toBe('staff');
    // The only owner cannot step down: said with what to do instead.
    await page.getByLabel('Role of Tess Owner').selectOption('viewer');
    await page.getByRole('button', { name: 'Save role of Tess Owner' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('is the only owner');
    await page.getByLabel('Role of Tess Owner').selectOption('owner');
    await expectAccessible(page, 'members');
    await screenshot(page, 'members');

    // API keys: made with a scope, its secret shown once; it works, then is revoked.
    await open(page, 'API keys', 'API keys');
    await page.getByLabel('Name', { exact: true }).fill('Nightly export');
    await page.getByRole('checkbox', { name: 'events:read' }).check();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const keyField = page.getByLabel('Secret of the API key Nightly export');
    await keyField.waitFor();
    const keySecret = await keyField.inputValue();
    expect(keySecret).toMatch(/^evk_/);
    await page.getByText('Store it now: it will not be shown again.').waitFor();
    const keyClient = createEventlyClient({ url: harness.api.url, apiKey: keySecret });
    expect((await keyClient.organizations.get.query({ id: organization.id })).name).toBe(
      organization.name,
    );
    await page.getByRole('rowheader', { name: 'Nightly export' }).waitFor();
    await expectAccessible(page, 'api-keys');
    await screenshot(page, 'api-keys');
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => keyField.count()).toBe(0);
    // Asked first, with the answer focused; kept, focus is back on the button and nothing changed.
    const revoke = page.getByRole('button', { name: 'Revoke Nightly export' });
    await revoke.click();
    await expect
      .poll(() =>
        page
          .getByRole('button', { name: 'Yes, revoke' })
          .evaluate((b) => b === document.activeElement),
      )
      .toBe(true);
    await page.getByRole('button', { name: 'Keep it' }).click();
    await expect.poll(() => revoke.evaluate((b) => b === document.activeElement)).toBe(true);
    expect(await appCodeOf(keyClient.organizations.get.query({ id: organization.id }))).toBe(
      'none',
    );
    await revoke.click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await page
      .getByRole('row', { name: /Nightly export/ })
      .getByText('revoked', { exact: true })
      .waitFor();
    // Refused at once: the revocation reached the cached state (embedded mode, PGlite).
    expect(await appCodeOf(keyClient.organizations.get.query({ id: organization.id }))).toBe(
      'API_KEY_REVOKED',
    );

    // Webhooks: one made (its secret shown once), tested; the test shows among its deliveries.
    const hookUrl = 'https://hooks.example.com/evently';
    await open(page, 'Webhooks', 'Webhooks');
    await page.getByLabel('URL', { exact: true }).fill(hookUrl);
    await page.getByLabel('Description (optional)').fill('Ticket sync');
    await page.getByRole('checkbox', { name: 'booking.confirmed' }).check();
    await page.getByRole('button', { name: 'Create webhook' }).click();
    const hookField = page.getByLabel(`Signing secret of ${hookUrl}`);
    await hookField.waitFor();
    expect(await hookField.inputValue()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await page.getByRole('button', { name: 'Send test to Ticket sync' }).click();
    await page.getByText(`A test delivery to ${hookUrl} is queued`).waitFor();
    await expectAccessible(page, 'webhooks');
    await screenshot(page, 'webhooks');

    await page.getByRole('link', { name: /^Deliveries/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhook deliveries' }).waitFor();
    // The delivery is recorded by the outbox's worker a moment later; the list refreshes itself.
    const testRow = page.getByRole('row', { name: /webhook\.test/ });
    await testRow.first().waitFor({ timeout: 90_000 });
    await page.getByLabel('Show', { exact: true }).selectOption('delivered');
    await page.getByText('No delivered deliveries.').waitFor();
    await page.getByLabel('Show', { exact: true }).selectOption('');
    await testRow.first().waitFor();
    await expectAccessible(page, 'webhook-deliveries');
    await screenshot(page, 'webhook-deliveries');
    await context.close();

    // The platform admin: the users (searched) and the mail dead letters.
    const adminContext = await harness.browser.newContext();
    const adminPage = await adminContext.newPage();
    await signIn(harness, adminPage, harness.api.admin);
    await open(adminPage, 'Users', 'Users');
    await adminPage.getByLabel('Name or email').fill(owner.email);
    await adminPage.getByRole('button', { name: 'Search' }).click();
    await adminPage.getByRole('cell', { name: owner.email }).waitFor();
    await expectAccessible(adminPage, 'admin-users');
    await screenshot(adminPage, 'admin-users');
    await open(adminPage, 'Dead letters', 'Dead letters');
    await adminPage
      .getByText('No failed mails: every mail went out.')
      .or(adminPage.getByRole('table', { name: 'Failed mails, newest first' }))
      .waitFor();
    await expectAccessible(adminPage, 'dead-letters');
    await screenshot(adminPage, 'dead-letters');
    await adminContext.close();
  });
});

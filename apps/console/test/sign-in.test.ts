import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleHarness,
  expectAccessible,
  newOrganizer,
  screenshot,
  signIn,
  startConsole,
} from './console-harness.js';

// The console as `pnpm start` serves it: signing in (a wrong password told in words), the
// session kept across a reload, making an organization, signing out.
describe('console: signing in', () => {
  let harness: ConsoleHarness;
  beforeAll(async () => {
    harness = await startConsole();
  });
  afterAll(async () => harness?.close());

  it('signs an organizer in, keeps the session across a reload, and signs out', async () => {
    const organizer = await newOrganizer(harness, 'Olga Organizer');
    const context = await harness.browser.newContext();
    const page = await context.newPage();
    await page.goto(harness.url('/'));
    // Not signed in: the sign-in form, which passes axe.
    await page.getByRole('heading', { name: 'Sign in to the Evently console' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Email').fill(organizer.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('The email or password is wrong.');

    await signIn(harness, page, organizer);
    await page.getByRole('heading', { name: 'Organizations' }).waitFor();
    await page.getByLabel('Name').fill('Olga’s Hall');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('cell', { name: 'Olga’s Hall' }).waitFor();
    await expect
      .poll(() => page.getByLabel('Organization', { exact: true }).inputValue())
      .not.toBe('');
    await expectAccessible(page, 'organizations');
    await screenshot(page, 'organizations');

    await page.reload();
    await page.getByRole('cell', { name: 'Olga’s Hall' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the Evently console' }).waitFor();
    await context.close();
  });
});

import { verificationCode } from '@evently/examples-testing';
import { createEventlyClient } from '@evently/sdk';
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
// session kept across a reload, making an organization, signing out; an account not verified
// yet enters its mailed code on the sign-in page.
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

  it('lets an account not verified yet enter its mailed code and sign in', async () => {
    const email = `vera.${Date.now()}@example.com`;
    const password = 'a password for the console tests';
    const stranger = createEventlyClient({
      url: harness.api.url,
      headers: () => ({ 'x-forwarded-for': `10.250.${process.pid % 250}.1` }),
    });
    await stranger.auth.register.mutate({ email, name: 'Vera', password });
    const context = await harness.browser.newContext();
    const page = await context.newPage();
    await page.goto(harness.url('/sign-in'));
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Told to enter the code, not refused.
    const code = page.getByLabel('Verification code');
    await code.waitFor();
    await code.fill(await verificationCode(harness.api.url, email));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    await page.getByText('You belong to no organization yet.').waitFor();
    await context.close();
  });
});

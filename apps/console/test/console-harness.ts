import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { type EmbeddedApi, signUp, signUpOrganizer } from '@evently/examples-testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { type Browser, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';

/** Debian's chromium package (apt-get install chromium); .ci/run installs it when missing. */
const CHROMIUM = '/usr/bin/chromium';
/** Where each page's picture lands (the README shows two). */
export const SCREENSHOTS = fileURLToPath(new URL('../screenshots/', import.meta.url));

export interface ConsoleHarness {
  /** The server (`pnpm start`, started once for every file by global-setup.ts). */
  api: Pick<EmbeddedApi, 'url' | 'admin'>;
  browser: Browser;
  /** The server's admin, signed in through the SDK (for setting up what a test needs). */
  admin: EventlyClient;
  /** A console address: `path` under /console. */
  url(path?: string): string;
  /** A new verified account, signed in through the SDK, calling from an address of its own. */
  signUp(account: { email: string; name: string; password?: string }): Promise<EventlyClient>;
  close(): Promise<void>;
}

/** An `x-forwarded-for` no other person of the tests uses (the server trusts loopback). */
let addresses = 0;
function ownAddress(): Record<string, string> {
  addresses += 1;
  const salt = process.pid % 250;
  return { 'x-forwarded-for': `10.${salt}.${(addresses >> 8) & 255}.${addresses & 255}` };
}

/** Headless Chromium, and the admin signed in, against the `pnpm start` of global-setup.ts. */
export async function startConsole(): Promise<ConsoleHarness> {
  const api = { url: inject('apiUrl'), admin: inject('admin') };
  const admin = createEventlyClient({ url: api.url });
  await admin.session.login(api.admin);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return {
    api,
    browser,
    admin,
    url: (path = '/') => `${api.url}/console${path}`,
    signUp: (account) => signUp({ ...api, stop: async () => {} }, account, ownAddress()),
    close: () => browser.close(),
  };
}

export interface Organizer {
  email: string;
  password: string;
  client: EventlyClient;
}

/** A new organizer (verified, promoted by the admin), signed in through the SDK too. */
export async function newOrganizer(harness: ConsoleHarness, name: string): Promise<Organizer> {
  const email = `${name.toLowerCase().replace(/\W+/g, '.')}.${Date.now()}@example.com`;
  const password = 'a password for the console tests';
  const api = { ...harness.api, stop: async () => {} };
  const account = { email, name, password };
  const client = await signUpOrganizer(api, harness.admin, account, ownAddress());
  return { email, password, client };
}

/** Signs `page` in through the console's own sign-in form. */
export async function signIn(
  harness: ConsoleHarness,
  page: Page,
  account: { email: string; password: string },
): Promise<void> {
  await page.goto(harness.url('/sign-in'));
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/**
 * The page's accessibility by axe-core (WCAG 2 A and AA rules): throws with the violations
 * rated serious or critical, each with its rule and the elements it found.
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const serious = results.violations.filter(
    (v) => v.impact === 'serious' || v.impact === 'critical',
  );
  if (serious.length > 0) {
    const lines = serious.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    throw new Error(
      `${name}: ${serious.length} serious accessibility violations\n${lines.join('\n')}`,
    );
  }
}

/** The page as a picture in screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

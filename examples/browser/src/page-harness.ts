import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type EmbeddedApi, freePort, startEmbeddedApi } from '@evently/examples-testing';
import { type Browser, chromium } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';

/** The example's folder (its vite.config.ts, its pages, the README's pictures). */
export const root = fileURLToPath(new URL('..', import.meta.url));
/** Debian's chromium package (apt-get install chromium); .ci/run installs it when missing. */
const CHROMIUM = '/usr/bin/chromium';

export interface PageHarness {
  api: EmbeddedApi;
  browser: Browser;
  /** A page's address (`/`, `/seating.html`), told where the API is, with more query params. */
  url(path: string, params?: Record<string, string>): string;
  close(): Promise<void>;
}

/**
 * The tests' setup: `pnpm start` in embedded mode allowing the page's origin, the production
 * build served as a reader's `pnpm build && pnpm preview` would serve it, and headless Chromium.
 */
export async function startPageHarness(): Promise<PageHarness> {
  const outDir = await mkdtemp(join(tmpdir(), 'evently-browser-example-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let api: EmbeddedApi | undefined;
  let server: PreviewServer | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await server?.close();
    await api?.stop();
    await rm(outDir, { recursive: true, force: true });
  };
  try {
    const [started] = await Promise.all([
      startEmbeddedApi({ corsOrigins: [origin] }),
      build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } }),
    ]);
    api = started;
    server = await preview({
      root,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port, strictPort: true },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  } catch (error) {
    await close();
    throw error;
  }
  const apiUrl = api.url;
  return {
    api,
    browser,
    url: (path, params = {}) =>
      `${origin}${path}?${new URLSearchParams({ api: apiUrl, ...params })}`,
    close,
  };
}

import type { DbHandle } from '@evently/db';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createMemoryDb,
  type EmbeddedServer,
  startEmbeddedServer,
} from '../../test/embedded-server.js';
import { type MetricsAccess, metricsAccessFor } from './metrics-access.js';

const TOKEN = 'metrics-token-0123456789abcdef0123456789';

describe('who may read /metrics', () => {
  it('token when METRICS_TOKEN is set; otherwise open outside production and closed in it', () => {
    expect(metricsAccessFor({ METRICS_TOKEN: TOKEN, NODE_ENV: 'production' })).toEqual({
      kind: 'token',
      token: TOKEN,
    });
    expect(metricsAccessFor({ NODE_ENV: 'production' })).toEqual({ kind: 'closed' });
    expect(metricsAccessFor({ NODE_ENV: 'development' })).toEqual({ kind: 'open' });
  });

  const servers: EmbeddedServer[] = [];
  let db: DbHandle | undefined;
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await db?.close();
  });
  const serve = async (metrics?: MetricsAccess) => {
    db ??= await createMemoryDb();
    const server = await startEmbeddedServer({ db, config: metrics ? { metrics } : {} });
    servers.push(server);
    return server;
  };
  const scrape = async (url: string, authorization?: string) => {
    const response = await fetch(`${url}/metrics`, {
      headers: authorization ? { authorization } : {},
    });
    const text = await response.text();
    const appCode = text.startsWith('{')
      ? (JSON.parse(text) as { error: { data: { appCode: string } } }).error.data.appCode
      : undefined;
    return { status: response.status, appCode, metrics: text.includes('process_cpu') };
  };

  it('with a token: only the right bearer token reads metrics (401 UNAUTHENTICATED otherwise)', async () => {
    const { url } = await serve({ kind: 'token', token: TOKEN });
    expect(await scrape(url)).toEqual({ status: 401, appCode: 'UNAUTHENTICATED', metrics: false });
    for (const wrong of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, TOKEN]) {
      expect(await scrape(url, wrong), wrong).toEqual({
        status: 401,
        appCode: 'UNAUTHENTICATED',
        metrics: false,
      });
    }
    expect(await scrape(url, `Bearer ${TOKEN}`)).toEqual({
      status: 200,
      appCode: undefined,
      metrics: true,
    });
    // The rest of the server is not behind the token.
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('closed (the default, and production without a token): 403 FORBIDDEN, whatever is sent', async () => {
    for (const server of [await serve(), await serve({ kind: 'closed' })]) {
      expect(await scrape(server.url)).toEqual({
        status: 403,
        appCode: 'FORBIDDEN',
        metrics: false,
      });
      expect(await scrape(server.url, `Bearer ${TOKEN}`)).toMatchObject({ status: 403 });
    }
  });

  it('open (development without a token): anyone reads metrics', async () => {
    const { url } = await serve({ kind: 'open' });
    expect(await scrape(url)).toEqual({ status: 200, appCode: undefined, metrics: true });
  });
});

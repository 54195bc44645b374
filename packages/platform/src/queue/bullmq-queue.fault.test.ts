import { findFreePort } from '@evently/db/testing/free-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deferred } from '../testing/deferred.js';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import { createBullmqQueue } from './bullmq-queue.js';

/** Polls wait in seconds, not vitest's default 1 s: the machine running them may be loaded. */
const POLL_TIMEOUT_MS = 15_000;

/** A producer's wait for its very first connection, made long where that must not matter. */
const GRACE_MS = 30_000;

describe('BullMQ queue when Redis is away', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => server?.kill());

  it('rejects a producer after its own grace when Redis never answered', async () => {
    const url = `redis://127.0.0.1:${await findFreePort()}`;
    const short = createBullmqQueue({ url, prefix: 'fault', connectGraceMs: 200 });
    const usual = createBullmqQueue({ url, prefix: 'fault' }); // the default grace, 2 s
    const gaveUp: string[] = [];
    const started = Date.now();
    // The default's add starts first: only a shorter grace lets the other give up before it.
    const producers = [
      { name: 'default', queue: usual },
      { name: '200 ms', queue: short },
    ];
    await Promise.all(
      producers.map(async ({ name, queue }) => {
        await expect(queue.add('mail', { name: 'x', data: null })).rejects.toThrow();
        gaveUp.push(name);
      }),
    );
    // Its own grace, not the default: it gave up first — an order of timers, whatever the load.
    expect(gaveUp).toEqual(['200 ms', 'default']);
    // Nobody waits for a Redis that never comes (generous for a loaded machine).
    expect(Date.now() - started).toBeLessThan(15_000);
    await Promise.all([short.close(), usual.close()]);
  });

  it('fails adds at once while Redis is down, and its worker resumes when Redis is back', async () => {
    // The first-connection grace made long: an add that waited for Redis would sit it out.
    const queue = createBullmqQueue({ url: server.url, prefix: 'fault', connectGraceMs: GRACE_MS });
    const seen: string[] = [];
    queue.process<string>('jobs', async (job) => {
      seen.push(job.data);
    });
    await queue.add('jobs', { name: 'j', data: 'before' });
    await expect.poll(() => seen, { timeout: POLL_TIMEOUT_MS }).toEqual(['before']);

    await server.kill();
    const started = Date.now();
    await expect(queue.add('jobs', { name: 'j', data: 'lost' })).rejects.toThrow();
    // Generous for a loaded machine, far below the grace.
    expect(Date.now() - started).toBeLessThan(GRACE_MS / 3);

    // Back, empty: the worker reconnected by itself and the producer works again.
    await server.restart();
    await expect
      .poll(
        async () => {
          try {
            await queue.add('jobs', { name: 'j', data: 'after', options: { jobId: 'after' } });
            return true;
          } catch {
            return false;
          }
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    await expect.poll(() => seen, { timeout: 15_000 }).toEqual(['before', 'after']);
    await queue.close();
  });

  it('closes, a bounded time after its jobs are done, while Redis is down', async () => {
    await server.restart();
    const queue = createBullmqQueue({ url: server.url, prefix: 'fault', closeGraceMs: 300 });
    const release = deferred();
    const started: string[] = [];
    queue.process<string>('slow', async (job) => {
      started.push(job.data);
      await release.promise;
    });
    await queue.add('slow', { name: 'j', data: 'held' });
    await expect.poll(() => started, { timeout: POLL_TIMEOUT_MS }).toEqual(['held']);

    await server.kill();
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    // Still waits for the job in hand...
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    release.resolve();
    // ...but not for a Redis that cannot take its outcome.
    const started2 = Date.now();
    await closing;
    expect(Date.now() - started2).toBeLessThan(3_000);
  });
});

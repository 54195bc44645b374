import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../testing/free-port.js';
import { type RedisServer, startRedisServer } from '../testing/redis-server.js';
import { createBullmqQueue } from './bullmq-queue.js';

describe('BullMQ queue when Redis is away', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => server?.kill());

  it('rejects a producer quickly when Redis never answered', async () => {
    const nobody = await findFreePort();
    const queue = createBullmqQueue({
      url: `redis://127.0.0.1:${nobody}`,
      prefix: 'fault',
      connectGraceMs: 200,
    });
    const started = Date.now();
    await expect(queue.add('mail', { name: 'x', data: null })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_500);
    await queue.close();
  });

  it('fails adds at once while Redis is down, and its worker resumes when Redis is back', async () => {
    const queue = createBullmqQueue({ url: server.url, prefix: 'fault' });
    const seen: string[] = [];
    queue.process<string>('jobs', async (job) => {
      seen.push(job.data);
    });
    await queue.add('jobs', { name: 'j', data: 'before' });
    await expect.poll(() => seen).toEqual(['before']);

    await server.kill();
    const started = Date.now();
    await expect(queue.add('jobs', { name: 'j', data: 'lost' })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(500);

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
});

import { randomUUID } from 'node:crypto';
import { consumerQueueName, type Platform, type QueuePort } from '@evently/platform';
import type { SmtpSink } from '@evently/platform/testing';
import { createEventlyClient } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIL_CONSUMER_NAME } from '../src/modules/notifications/mail/mail.consumer.js';
import { startTestApp, type TestApp } from './harness.js';

const MAIL_QUEUE = consumerQueueName(MAIL_CONSUMER_NAME);
const METRICS_TOKEN = 'metrics-test-token-0123456789abcdef';

/** The value of one sample of the Prometheus text, or undefined when it is absent. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => have.includes(label)) && have.length === wanted.length) {
      return Number(match[3]);
    }
  }
  return undefined;
}

// /metrics reads the deployment's state where it lives: the outbox and sent_emails in Postgres,
// the queues in Redis. An API without a worker first (so the figures pile up), then the worker.
describe('operational metrics', () => {
  let app: TestApp;
  let url: string;
  let platform: Platform;
  let sink: SmtpSink;

  beforeAll(async () => {
    app = await startTestApp({
      worker: false,
      admin: false,
      trustProxy: false,
      metrics: { kind: 'token', token: METRICS_TOKEN },
      mailSender: { pollIntervalMs: 100 },
    });
    ({ url, platform, smtp: sink } = app);
  });

  afterAll(async () => app?.close());

  const scrape = async () => {
    const response = await fetch(`${url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return response.text();
  };

  it('reports outbox lag, queue depths, job failures and mails, and they move', async () => {
    // Before anything happened: every figure is there, at zero, and every part was read.
    const idle = await scrape();
    expect(sample(idle, 'evently_outbox_lag_seconds')).toBe(0);
    expect(sample(idle, 'evently_outbox_unrelayed_events')).toBe(0);
    for (const queue of app.modules.worker.queues) {
      for (const state of ['waiting', 'active', 'delayed']) {
        expect(sample(idle, 'evently_queue_jobs', { queue, state }), `${queue} ${state}`).toBe(0);
      }
      expect(sample(idle, 'evently_jobs_failed', { queue })).toBe(0);
    }
    expect(sample(idle, 'evently_mails_sent_total')).toBe(0);
    expect(sample(idle, 'evently_mails', { status: 'pending' })).toBe(0);
    expect(sample(idle, 'evently_mails', { status: 'dead' })).toBe(0);
    for (const part of ['outbox', 'queues', 'mails']) {
      expect(sample(idle, 'evently_operations_up', { part })).toBe(1);
    }

    // Without a worker, a registration's events wait in the outbox and grow older.
    const email = `metrics-${randomUUID()}@example.com`;
    await createEventlyClient({ url }).auth.register.mutate({
      email,
      password: 'correct horse battery staple',
      name: 'Mia',
    });
    // (Scrapes within a second share one reading: poll.)
    let waiting = '';
    await expect
      .poll(
        async () => {
          waiting = await scrape();
          return sample(waiting, 'evently_outbox_unrelayed_events');
        },
        { timeout: 5_000, interval: 200 },
      )
      .toBeGreaterThanOrEqual(2); // user.registered, user.verification_requested
    const lag = sample(waiting, 'evently_outbox_lag_seconds') ?? 0;
    await expect
      .poll(async () => sample(await scrape(), 'evently_outbox_lag_seconds') ?? 0, {
        timeout: 10_000,
        interval: 200,
      })
      .toBeGreaterThan(lag + 1);

    // A job nobody takes yet waits in its queue; it will fail its only try (bad data).
    await platform.queue.add(MAIL_QUEUE, {
      name: 'user.email_verified',
      data: { not: 'a delivery job' },
      options: { jobId: `bad-${randomUUID()}`, attempts: 1 },
    });
    await expect
      .poll(
        async () =>
          sample(await scrape(), 'evently_queue_jobs', { queue: MAIL_QUEUE, state: 'waiting' }),
        {
          timeout: 5_000,
          interval: 200,
        },
      )
      .toBe(1);

    // The worker starts (every queue it serves must be one /metrics reports): the outbox
    // drains, the bad job fails, the verification mail is sent.
    const served = new Set<string>();
    const recording: QueuePort = {
      ...platform.queue,
      process(queue, handler, options) {
        served.add(queue);
        return platform.queue.process(queue, handler, options);
      },
    };
    await app.startWorker({ queue: recording });
    expect([...served].filter((queue) => !app.modules.worker.queues.includes(queue))).toEqual([]);
    await expect
      .poll(
        async () => {
          const text = await scrape();
          return {
            lag: sample(text, 'evently_outbox_lag_seconds'),
            unrelayed: sample(text, 'evently_outbox_unrelayed_events'),
            waiting: sample(text, 'evently_queue_jobs', { queue: MAIL_QUEUE, state: 'waiting' }),
            failed: sample(text, 'evently_jobs_failed', { queue: MAIL_QUEUE }),
            sent: sample(text, 'evently_mails_sent_total'),
            pending: sample(text, 'evently_mails', { status: 'pending' }),
          };
        },
        { timeout: 15_000, interval: 200 },
      )
      .toEqual({ lag: 0, unrelayed: 0, waiting: 0, failed: 1, sent: 1, pending: 0 });
    expect(sink.messages.filter((m) => m.envelopeTo.includes(email))).toHaveLength(1);
  });
});

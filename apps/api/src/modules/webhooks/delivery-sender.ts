import type { DbHandle } from '@evently/db';
import { createListeningPollLoop, drainInLanes } from '@evently/platform';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { BackgroundLoop } from '../../kernel/module.js';
import { recordOutcome } from './delivery-outcomes.js';
import type { DeliverySchedule } from './delivery-schedule.js';
import type { AddressGuard } from './webhook-address-guard.js';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  deliveriesRepository as deliveries,
  WEBHOOKS_CHANNEL,
} from './webhook-deliveries.repository.js';
import { messageTopics } from './webhook-messages.js';
import { signatureHeaders } from './webhook-signing.js';
import { postWebhook } from './webhook-transport.js';
import { WEBHOOKS_CONSUMER_NAME } from './webhooks.consumer.js';

export interface DeliverySenderOptions {
  /** Webhooks sent to at once (each one delivery at a time). Default 4. */
  concurrency?: number;
  /** The longest wait between two scans when no NOTIFY arrives. Default 1,000 ms. */
  pollIntervalMs?: number;
  /**
   * How long a claimed delivery stays its sender's: longer than an attempt can take (a 5 s DNS
   * lookup, the 10 s timeout, the record). After it a delivery whose sender died is sent again,
   * under the same webhook-id. Default 30 s.
   */
  leaseMs?: number;
  /** How long an attempt may take (API.md: 10 s). */
  timeoutMs?: number;
}

export interface DeliverySenderDeps extends DeliverySenderOptions {
  db: DbHandle;
  guard: AddressGuard;
  schedule: DeliverySchedule;
  now: Clock;
  log: Logger;
}

export interface DeliverySender extends BackgroundLoop {
  /** Sends every delivery due now, in order per webhook; resolves how many attempts were made. */
  sendDue(): Promise<number>;
}

const MAX_ERROR_LENGTH = 500;
const describe = (error: unknown) =>
  (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);

/** The secrets a delivery is signed with now: its webhook's, and the previous one while it lasts. */
function secretsOf(claim: ClaimedDelivery, now: Date): string[] {
  const previous =
    claim.previous_secret && claim.previous_secret_until && claim.previous_secret_until > now
      ? [claim.previous_secret]
      : [];
  return [claim.secret, ...previous];
}

/**
 * The delivery worker: sends the deliveries the `webhooks` consumer recorded, holding no
 * transaction while a receiver answers. Each attempt:
 * 1. claims the head of a webhook's queue (its first pending delivery in outbox order, due, and
 *    before the consumer's watermark) with a lease, in one committed statement — the rest of
 *    that queue waits until the head is delivered or fails for good;
 * 2. resolves the URL's host and checks every address (SSRF, on every attempt), then POSTs the
 *    body to the checked address, signed per Standard Webhooks (`webhook-id` = the delivery's
 *    id), giving up after 10 s;
 * 3. records the attempt and its outcome (delivery-outcomes.ts).
 * A sender that dies mid-attempt leaves its claim to the lease: the delivery is sent again,
 * with the same `webhook-id`. Nothing lives in Redis: a Redis restarted empty loses nothing.
 */
export function createDeliverySender(deps: DeliverySenderDeps): DeliverySender {
  const { db, log, now } = deps;
  const concurrency = deps.concurrency ?? 4;
  const leaseMs = deps.leaseMs ?? 30_000;
  const timeoutMs = deps.timeoutMs ?? 10_000;
  const outcomes = { db: db.db, schedule: deps.schedule, log };
  let stopping = false;

  async function attempt(claim: ClaimedDelivery, at: Date): Promise<AttemptRecord> {
    const started = performance.now();
    const ended = (statusCode: number | null, error: string | null): AttemptRecord => ({
      at,
      statusCode,
      error,
      durationMs: Math.round(performance.now() - started),
    });
    try {
      const target = await deps.guard.target(claim.url);
      const headers = signatureHeaders(claim, secretsOf(claim, at), at);
      const answer = await postWebhook(target, { headers, body: claim.body }, timeoutMs);
      if ('error' in answer) return ended(null, describe(answer.error));
      const ok = answer.statusCode >= 200 && answer.statusCode < 300;
      return ended(answer.statusCode, ok ? null : `answered ${answer.statusCode}`);
    } catch (error) {
      // A refused address or a failed lookup: an attempt that failed before connecting.
      return ended(null, describe(error));
    }
  }

  /** One head claimed, sent and recorded; undefined when none is due. */
  async function sendOne(watermark: string | null): Promise<boolean> {
    const at = now();
    const claim = await deliveries.claimHead(db.db, {
      now: at,
      leaseUntil: new Date(at.getTime() + leaseMs),
      watermark,
    });
    if (!claim) return false;
    const record = await attempt(claim, at);
    const status = await recordOutcome(outcomes, claim, record);
    const context = { deliveryId: claim.id, webhookId: claim.webhook_id, attempts: claim.attempts };
    if (status === 'failed')
      log.warn({ ...context, error: record.error }, 'webhook delivery failed');
    else if (status === 'pending') log.debug({ ...context, error: record.error }, 'webhook retry');
    return true;
  }

  async function sendDue(): Promise<number> {
    // Per pass: a watermark read before the claims is never ahead of the truth.
    const watermark = await deliveries.watermark(db.db, WEBHOOKS_CONSUMER_NAME, messageTopics);
    return drainInLanes(concurrency, async () => !stopping && (await sendOne(watermark)));
  }

  const loop = createListeningPollLoop({
    db,
    channel: WEBHOOKS_CHANNEL,
    name: 'webhook sender',
    log,
    intervalMs: deps.pollIntervalMs ?? 1_000,
    // A pass runs until nothing is due; a delivery that becomes due later waits for a poll.
    tick: async () => {
      await sendDue();
      return false;
    },
    onError: (error) => log.warn({ err: error }, 'webhook sender failed; will retry'),
  });

  return {
    sendDue,
    async start() {
      stopping = false;
      await loop.start();
    },
    async stop() {
      stopping = true;
      await loop.stop();
    },
  };
}

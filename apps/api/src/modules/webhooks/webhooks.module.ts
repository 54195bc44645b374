import type { DbHandle } from '@evently/db';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import type { Module } from '../../kernel/module.js';
import { DEFAULT_DELIVERY_SCHEDULE, type DeliverySchedule } from './delivery-schedule.js';
import { createDeliverySender, type DeliverySenderOptions } from './delivery-sender.js';
import { createAddressGuard } from './webhook-address-guard.js';
import type { WebhookSources } from './webhook-sources.js';
import { createWebhooksConsumer } from './webhooks.consumer.js';
import { createWebhooksService, type WebhooksService } from './webhooks.service.js';
import { webhookDeliveriesRetention } from './webhooks-retention.js';

/** WEBHOOK_ALLOW_PRIVATE_NETWORKS and what tests shorten. */
export interface WebhooksConfig {
  /** Deliver to loopback, private and link-local addresses too (default false). */
  allowPrivateNetworks?: boolean;
  /** The sender's concurrency, polling, lease and timeout. */
  sender?: DeliverySenderOptions;
  /** Backoff, the 24 h window and the 5 day rule (tests may shorten the backoff). */
  schedule?: Partial<DeliverySchedule>;
}

/**
 * Webhooks: owners subscribe URLs of their organization to topics (webhooks.*); the `webhooks`
 * consumer records a delivery per matching subscription for each domain event, its body the
 * public DTOs; the delivery worker (a loop) sends them in outbox order per webhook, signed per
 * Standard Webhooks, retried for 24 h; a webhook failing for 5 days is disabled and its owners
 * mailed. Every address is checked at creation and on every attempt (webhook-address-guard.ts).
 */
export function createWebhooksModule(deps: {
  db: DbHandle;
  roles: MemberRoles;
  sources: WebhookSources;
  log: Logger;
  now: Clock;
  config?: WebhooksConfig | undefined;
}): Module<WebhooksService> {
  const { db, log, now } = deps;
  const schedule = { ...DEFAULT_DELIVERY_SCHEDULE, ...deps.config?.schedule };
  const guard = createAddressGuard({
    allowPrivateNetworks: deps.config?.allowPrivateNetworks ?? false,
  });
  return {
    service: createWebhooksService({ db: db.db, roles: deps.roles, guard, schedule, now }),
    consumers: [createWebhooksConsumer({ sources: deps.sources, schedule, now, log })],
    loops: [createDeliverySender({ db, guard, schedule, now, log, ...deps.config?.sender })],
    retention: [webhookDeliveriesRetention],
    async close() {},
  };
}

import { randomUUID } from 'node:crypto';
import type {
  createWebhookInputSchema,
  Page,
  replayWebhookInputSchema,
  updateWebhookInputSchema,
  Webhook,
  WebhookDelivery,
  WebhookWithSecret,
  webhookDeliveriesInputSchema,
} from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { asMember, authorize, denial } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { actorOf, type Principal, userIdOf } from '../../kernel/principal.js';
import type { DeliverySchedule } from './delivery-schedule.js';
import type { AddressGuard } from './webhook-address-guard.js';
import { deliveriesRepository as deliveries } from './webhook-deliveries.repository.js';
import { newWebhookSecret } from './webhook-signing.js';
import { toDelivery, toWebhook } from './webhooks.mappers.js';
import { webhooksRepository as repo, type WebhookRow } from './webhooks.repository.js';

/**
 * `webhooks.*`: an organization's subscriptions, their delivery log and replays — its owners'
 * (and admins'), per the access policy's `organization.manageWebhooks`. (Part of the tRPC
 * context's type, so of the SDK's declarations: no database types here.)
 */
export interface WebhooksService {
  create(
    principal: Principal,
    input: z.output<typeof createWebhookInputSchema>,
  ): Promise<WebhookWithSecret>;
  list(principal: Principal, organizationId: string): Promise<Webhook[]>;
  update(principal: Principal, input: z.output<typeof updateWebhookInputSchema>): Promise<Webhook>;
  delete(principal: Principal, id: string): Promise<Webhook>;
  rotateSecret(principal: Principal, id: string): Promise<WebhookWithSecret>;
  /** Queues a `webhook.test` delivery to this webhook alone; answers its event's id. */
  test(principal: Principal, id: string): Promise<{ eventId: string }>;
  deliveries(
    principal: Principal,
    input: z.output<typeof webhookDeliveriesInputSchema>,
  ): Promise<Page<WebhookDelivery>>;
  replay(
    principal: Principal,
    input: z.output<typeof replayWebhookInputSchema>,
  ): Promise<{ queued: number }>;
}

/** After a rotation the previous secret signs too for this long, so receivers can switch over. */
const PREVIOUS_SECRET_MS = 24 * 3_600_000;

export function createWebhooksService(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  guard: AddressGuard;
  schedule: DeliverySchedule;
  now: Clock;
}): WebhooksService {
  const { db, roles, guard, now } = deps;

  async function mayManage(principal: Principal, organizationId: string): Promise<void> {
    const seen = await roles.of(principal);
    authorize(principal, 'organization.manageWebhooks', asMember({ organizationId }, seen));
  }

  /** A webhook the caller manages; one of an organization they may not see is not disclosed. */
  async function owned(principal: Principal, id: string): Promise<WebhookRow> {
    const row = await repo.find(db, id);
    if (!row) throw new AppError('NOT_FOUND', 'Webhook not found');
    const seen = await roles.of(principal);
    const denied = denial(
      principal,
      'organization.manageWebhooks',
      asMember({ organizationId: row.organization_id }, seen),
    );
    if (denied?.appCode === 'NOT_FOUND') throw new AppError('NOT_FOUND', 'Webhook not found');
    if (denied) throw denied;
    return row;
  }

  const audit = (
    trx: Transaction<Database>,
    principal: Principal,
    action: string,
    entry: { id: string; before?: Webhook; after?: Webhook },
  ) =>
    appendAudit(trx, {
      entity: 'webhook',
      entityId: entry.id,
      action,
      ...actorOf(principal),
      before: entry.before ?? null,
      after: entry.after ?? null,
    });

  return {
    async create(principal, input) {
      await mayManage(principal, input.organizationId);
      await guard.check(input.url);
      const secret = newWebhookSecret();
      const at = now();
      const row = await db.transaction().execute(async (trx) => {
        const made = await repo.insert(trx, {
          id: randomUUID(),
          organization_id: input.organizationId,
          url: input.url,
          topics: input.topics,
          description: input.description || null,
          secret,
          status: 'active',
          created_by: userIdOf(principal) ?? null,
          created_at: at,
          updated_at: at,
        });
        await audit(trx, principal, 'create', { id: made.id, after: toWebhook(made) });
        return made;
      });
      return { webhook: toWebhook(row), secret };
    },

    async list(principal, organizationId) {
      await mayManage(principal, organizationId);
      return (await repo.ofOrganization(db, organizationId)).map(toWebhook);
    },

    async update(principal, input) {
      const before = await owned(principal, input.id);
      if (input.url !== undefined) await guard.check(input.url);
      const at = now();
      const enabling = input.enabled === true && before.status === 'disabled';
      const row = await db.transaction().execute(async (trx) => {
        const after = await repo.update(trx, before.id, {
          ...(input.url !== undefined && { url: input.url }),
          ...(input.topics !== undefined && { topics: input.topics }),
          ...(input.description !== undefined && { description: input.description || null }),
          ...(input.enabled === false && { status: 'disabled', disabled_at: at }),
          // Enabled again: a fresh start (its old failures no longer count toward the 5 days).
          ...(enabling && { status: 'active', disabled_at: null, failing_since: null }),
          updated_at: at,
        });
        if (!after) throw new AppError('NOT_FOUND', 'Webhook not found');
        if (input.enabled === false && before.status === 'active') {
          await deliveries.failPending(trx, before.id, 'the webhook was disabled by an owner');
        }
        await audit(trx, principal, 'update', {
          id: before.id,
          before: toWebhook(before),
          after: toWebhook(after),
        });
        return after;
      });
      return toWebhook(row);
    },

    async delete(principal, id) {
      const before = await owned(principal, id);
      await db.transaction().execute(async (trx) => {
        await repo.delete(trx, before.id);
        await audit(trx, principal, 'delete', { id: before.id, before: toWebhook(before) });
      });
      return toWebhook(before);
    },

    async rotateSecret(principal, id) {
      await owned(principal, id);
      const secret = newWebhookSecret();
      const at = now();
      const row = await db.transaction().execute(async (trx) => {
        const locked = await repo.findForUpdate(trx, id);
        if (!locked) throw new AppError('NOT_FOUND', 'Webhook not found');
        const rotated = await repo.update(trx, id, {
          secret,
          previous_secret: locked.secret,
          previous_secret_until: new Date(at.getTime() + PREVIOUS_SECRET_MS),
          updated_at: at,
        });
        if (!rotated) throw new AppError('NOT_FOUND', 'Webhook not found');
        await audit(trx, principal, 'rotate_secret', { id, after: toWebhook(rotated) });
        return rotated;
      });
      return { webhook: toWebhook(row), secret };
    },

    async test(principal, id) {
      const row = await owned(principal, id);
      if (row.status !== 'active') {
        throw new AppError('INVALID_STATE', 'The webhook is disabled: enable it first');
      }
      // Through the outbox like every delivery, so it keeps its place in the webhook's order.
      const { id: eventId } = await appendEvent(db, {
        topic: 'webhook.test_requested',
        aggregateId: row.id,
        payload: {
          webhookId: row.id,
          organizationId: row.organization_id,
          requestedBy: userIdOf(principal) ?? null,
        },
      });
      return { eventId };
    },

    async deliveries(principal, input) {
      const hook = await owned(principal, input.webhookId);
      const rows = await deliveries.page(db, {
        webhookId: hook.id,
        status: input.status,
        ...(input.cursor && { afterSeq: input.cursor.s }),
        limit: rowsFor(input.limit),
      });
      return keysetPage(rows, input.limit, {
        item: toDelivery,
        sortKey: (row) => ({ s: row.seq }),
      });
    },

    async replay(principal, input) {
      const hook = await owned(principal, input.webhookId);
      if (input.deliveryId && !(await deliveries.find(db, hook.id, input.deliveryId))) {
        throw new AppError('NOT_FOUND', 'Delivery not found');
      }
      const at = now();
      const queued = await db.transaction().execute(async (trx) => {
        const count = await deliveries.requeue(
          trx,
          { webhookId: hook.id, deliveryId: input.deliveryId, since: input.since },
          { now: at, retryUntil: new Date(at.getTime() + deps.schedule.retryWindowMs) },
        );
        await appendAudit(trx, {
          entity: 'webhook',
          entityId: hook.id,
          action: 'replay',
          ...actorOf(principal),
          after: {
            queued: count,
            deliveryId: input.deliveryId ?? null,
            since: input.since ?? null,
          },
        });
        return count;
      });
      return { queued };
    },
  };
}

import {
  createWebhookInputSchema,
  listWebhooksInputSchema,
  replayWebhookInputSchema,
  replayWebhookResultSchema,
  updateWebhookInputSchema,
  webhookDeliveriesInputSchema,
  webhookDeliveryPageSchema,
  webhookIdInputSchema,
  webhookSchema,
  webhookTestSchema,
  webhookWithSecretSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { personOrKeyProcedure, router } from '../../trpc/procedures.js';

// Who may do what is the access policy's: `organization.manageWebhooks` (owners and admins),
// asked by the service with the webhook's organization.

export const webhooksRouter = router({
  // The signing secret is answered here and by rotateSecret only: store it then.
  create: personOrKeyProcedure
    .input(createWebhookInputSchema)
    .output(webhookWithSecretSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.create(ctx.principal, input)),
  list: personOrKeyProcedure
    .input(listWebhooksInputSchema)
    .output(z.array(webhookSchema))
    .query(({ ctx, input }) => ctx.services.webhooks.list(ctx.principal, input.organizationId)),
  update: personOrKeyProcedure
    .input(updateWebhookInputSchema)
    .output(webhookSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.update(ctx.principal, input)),
  delete: personOrKeyProcedure
    .input(webhookIdInputSchema)
    .output(webhookSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.delete(ctx.principal, input.id)),
  // The previous secret keeps signing for 24 h beside the new one (two signatures).
  rotateSecret: personOrKeyProcedure
    .input(webhookIdInputSchema)
    .output(webhookWithSecretSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.rotateSecret(ctx.principal, input.id)),
  test: personOrKeyProcedure
    .input(webhookIdInputSchema)
    .output(webhookTestSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.test(ctx.principal, input.id)),
  deliveries: personOrKeyProcedure
    .input(webhookDeliveriesInputSchema)
    .output(webhookDeliveryPageSchema)
    .query(({ ctx, input }) => ctx.services.webhooks.deliveries(ctx.principal, input)),
  replay: personOrKeyProcedure
    .input(replayWebhookInputSchema)
    .output(replayWebhookResultSchema)
    .mutation(({ ctx, input }) => ctx.services.webhooks.replay(ctx.principal, input)),
});

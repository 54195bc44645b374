import {
  apiKeyIdInputSchema,
  apiKeySchema,
  apiKeyWithSecretSchema,
  createApiKeyInputSchema,
  listApiKeysInputSchema,
} from '@evently/contracts';
import { z } from 'zod';
import { authedProcedure, router } from '../../trpc/procedures.js';

// People only (`authedProcedure` refuses keys): owners and admins, per the access policy's
// `organization.manageApiKeys`, asked by the service with the key's organization.

export const apiKeysRouter = router({
  // The secret is answered here and nowhere else: store it then.
  create: authedProcedure
    .input(createApiKeyInputSchema)
    .output(apiKeyWithSecretSchema)
    .mutation(({ ctx, input }) => ctx.services.apiKeys.create(ctx.principal, input)),
  list: authedProcedure
    .input(listApiKeysInputSchema)
    .output(z.array(apiKeySchema))
    .query(({ ctx, input }) => ctx.services.apiKeys.list(ctx.principal, input.organizationId)),
  revoke: authedProcedure
    .input(apiKeyIdInputSchema)
    .output(apiKeySchema)
    .mutation(({ ctx, input }) => ctx.services.apiKeys.revoke(ctx.principal, input.id)),
});

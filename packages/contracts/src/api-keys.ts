import { z } from 'zod';
import { idSchema, instantSchema, textSchema } from './primitives.js';

/**
 * API keys (API.md Part 2, "integrations"): an organization's owners make keys for batch jobs
 * and outside systems. A key (`Authorization: Bearer evk_…`) acts for its organization within
 * its scopes; its secret is answered once, at creation, and kept only as a SHA-256 hash.
 */

/**
 * What a key may do. A `…:write` scope includes its `…:read` (a key that edits events may read
 * them). `checkin`: scan and search at the doors; `webhooks:manage`: the organization's webhooks.
 */
export const apiKeyScopes = [
  'events:read',
  'events:write',
  'bookings:read',
  'bookings:write',
  'analytics:read',
  'checkin',
  'webhooks:manage',
] as const;
export const apiKeyScopeSchema = z.enum(apiKeyScopes);
export type ApiKeyScope = z.infer<typeof apiKeyScopeSchema>;

/** `evk_` and 256 random bits in base64url (43 characters). */
export const API_KEY_PREFIX = 'evk_';
export const apiKeySecretPattern = /^evk_[A-Za-z0-9_-]{43}$/;

export const apiKeySchema = z.object({
  id: idSchema,
  organizationId: idSchema,
  name: z.string(),
  scopes: z.array(apiKeyScopeSchema),
  /** The secret's first characters (`evk_AbCd`), to tell keys apart; never enough to use. */
  prefix: z.string(),
  expiresAt: instantSchema.nullable(),
  /** Last request made with it (updated at most once a minute). */
  lastUsedAt: instantSchema.nullable(),
  revokedAt: instantSchema.nullable(),
  createdAt: instantSchema,
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const createApiKeyInputSchema = z.object({
  organizationId: idSchema,
  name: textSchema({ min: 1, max: 100 }),
  scopes: z
    .array(apiKeyScopeSchema)
    .min(1)
    .max(apiKeyScopes.length)
    .refine((scopes) => new Set(scopes).size === scopes.length, 'each scope may appear once'),
  /** Refused from then on (TOKEN_EXPIRED); must be in the future. Default: never. */
  expiresAt: instantSchema.optional(),
});
export type CreateApiKeyInput = z.input<typeof createApiKeyInputSchema>;

/** The key and its secret: answered by `apiKeys.create` only. Store the secret then. */
export const apiKeyWithSecretSchema = z.object({ apiKey: apiKeySchema, secret: z.string() });
export type ApiKeyWithSecret = z.infer<typeof apiKeyWithSecretSchema>;

export const listApiKeysInputSchema = z.object({ organizationId: idSchema });
export const apiKeyIdInputSchema = z.object({ id: idSchema });

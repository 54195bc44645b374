import { type ApiKey, type ApiKeyScope, apiKeyScopeSchema } from '@evently/contracts';
import type { ApiKeyRow } from './api-keys.repository.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Written from the contract's enum; a scope no longer in it grants nothing and is left out. */
export function knownScopes(scopes: readonly string[]): ApiKeyScope[] {
  return scopes.filter((scope): scope is ApiKeyScope => apiKeyScopeSchema.safeParse(scope).success);
}

/** A key as its owners see it: never its secret nor its hash. */
export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    scopes: knownScopes(row.scopes),
    prefix: row.prefix,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
    createdAt: row.created_at.toISOString(),
  };
}

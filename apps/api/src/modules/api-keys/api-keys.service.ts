import { randomUUID } from 'node:crypto';
import type { ApiKey, ApiKeyWithSecret, createApiKeyInputSchema } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { asMember, denial } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { actorOf, type UserPrincipal } from '../../kernel/principal.js';
import { apiKeyPrefixOf, apiKeySecretHash, newApiKeySecret } from './api-key-secrets.js';
import type { ApiKeyStates } from './api-key-states.js';
import { toApiKey } from './api-keys.mappers.js';
import { apiKeysRepository as repo } from './api-keys.repository.js';

/**
 * `apiKeys.*`: an organization's keys, made, listed and revoked by its owners (and admins), per
 * the access policy's `organization.manageApiKeys` — people only: a key makes no keys. (Part of
 * the tRPC context's type, so of the SDK's declarations: no database types here.)
 */
export interface ApiKeysService {
  /** The secret is in this answer and nowhere else, ever. */
  create(
    principal: UserPrincipal,
    input: z.output<typeof createApiKeyInputSchema>,
  ): Promise<ApiKeyWithSecret>;
  list(principal: UserPrincipal, organizationId: string): Promise<ApiKey[]>;
  /** Refused from the next request on, on every instance; open streams end at once. */
  revoke(principal: UserPrincipal, id: string): Promise<ApiKey>;
}

export function createApiKeysService(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  states: ApiKeyStates;
  /** Tells open streams made with a key that it changed (`apiKey:<id>`). */
  announce(revocationIds: string[]): Promise<void>;
  now: Clock;
}): ApiKeysService {
  const { db, roles, states, now } = deps;

  /** Throws unless the caller manages keys of the organization (not disclosed when not seen). */
  async function mayManage(
    principal: UserPrincipal,
    organizationId: string,
    notFound = 'Organization not found',
  ): Promise<void> {
    const seen = await roles.of(principal);
    const denied = denial(
      principal,
      'organization.manageApiKeys',
      asMember({ organizationId }, seen),
    );
    if (denied?.appCode === 'NOT_FOUND') throw new AppError('NOT_FOUND', notFound);
    if (denied) throw denied;
  }

  return {
    async create(principal, input) {
      await mayManage(principal, input.organizationId);
      const at = now();
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt.getTime() <= at.getTime()) {
        throw new AppError('VALIDATION_FAILED', 'expiresAt must be in the future');
      }
      const secret = newApiKeySecret();
      const row = await db.transaction().execute(async (trx) => {
        const made = await repo.insert(trx, {
          id: randomUUID(),
          organization_id: input.organizationId,
          name: input.name,
          scopes: input.scopes,
          secret_hash: apiKeySecretHash(secret),
          prefix: apiKeyPrefixOf(secret),
          expires_at: expiresAt,
          created_by: principal.userId,
          created_at: at,
        });
        await appendAudit(trx, {
          entity: 'api_key',
          entityId: made.id,
          action: 'create',
          ...actorOf(principal),
          after: toApiKey(made),
        });
        return made;
      });
      return { apiKey: toApiKey(row), secret };
    },

    async list(principal, organizationId) {
      await mayManage(principal, organizationId);
      return (await repo.ofOrganization(db, organizationId)).map(toApiKey);
    },

    async revoke(principal, id) {
      const found = await repo.find(db, id);
      if (!found) throw new AppError('NOT_FOUND', 'API key not found');
      await mayManage(principal, found.organization_id, 'API key not found');
      if (found.revoked_at) return toApiKey(found);
      await states.forgetBefore(found.secret_hash);
      const revoked = await db.transaction().execute(async (trx) => {
        const row = await repo.revoke(trx, id, now());
        if (!row) return undefined;
        await appendAudit(trx, {
          entity: 'api_key',
          entityId: id,
          action: 'revoke',
          ...actorOf(principal),
          before: toApiKey(found),
          after: toApiKey(row),
        });
        return row;
      });
      await states.forget(found.secret_hash);
      await deps.announce([`apiKey:${id}`]);
      // Revoked meanwhile by someone else: the key as it is.
      return toApiKey(revoked ?? (await repo.find(db, id)) ?? found);
    },
  };
}

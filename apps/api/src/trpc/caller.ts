import { AppError } from '../kernel/app-error.js';
import type { Principal, UserPrincipal } from '../kernel/principal.js';
import { looksLikeApiKey } from '../modules/api-keys/api-key-secrets.js';
import type { Services } from '../services.js';

/**
 * Who a bearer is, as of now: an API key's (`evk_…`) or a person's access token. Throws the
 * refusal of either (UNAUTHENTICATED, TOKEN_EXPIRED, SESSION_REVOKED, API_KEY_REVOKED, …).
 * Procedures, re-checked streams and the HTTP layer's look ahead all ask here, so a key is
 * refused alike everywhere (`uncounted`: a look ahead, not counted against the key's limit).
 */
export function identify(
  services: Pick<Services, 'auth' | 'apiKeys'>,
  bearer: string | null,
  options?: { uncounted: true },
): Promise<Principal> {
  if (bearer && looksLikeApiKey(bearer)) return services.apiKeys.authenticate(bearer, options);
  return services.auth.authenticate(bearer);
}

/** A person, or the refusal a key gets where only a person may act. */
export function personOnly(principal: Principal): UserPrincipal {
  if (principal.kind === 'user') return principal;
  throw new AppError('FORBIDDEN', 'An API key cannot do this; a person must');
}

import { createHash, randomBytes } from 'node:crypto';
import { API_KEY_PREFIX, apiKeySecretPattern } from '@evently/contracts';

/** A new key's secret: `evk_` and 256 random bits (base64url). Answered once, never stored. */
export function newApiKeySecret(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What is stored and looked up: SHA-256 of the secret (a 256-bit secret needs no slow hash). */
export function apiKeySecretHash(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Whether a bearer is an API key's (rather than a person's access token). */
export function looksLikeApiKey(bearer: string): boolean {
  return bearer.startsWith(API_KEY_PREFIX);
}

/** Whether it has the shape of one Evently made: anything else is refused without a lookup. */
export function isWellFormedApiKey(bearer: string): boolean {
  return apiKeySecretPattern.test(bearer);
}

/** The first characters, shown in lists to tell keys apart (48 of its 256 bits). */
export function apiKeyPrefixOf(secret: string): string {
  return secret.slice(0, API_KEY_PREFIX.length + 8);
}

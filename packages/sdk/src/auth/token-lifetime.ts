import type { TokenPair } from '@evently/contracts';

/**
 * When to refresh `pair`: `leewaySeconds` before its access token expires, but never earlier
 * than half its lifetime — otherwise a short-lived token (a test server, a strict deployment)
 * would be refreshed before every call.
 */
export function refreshDueAt(pair: TokenPair, leewaySeconds: number): number {
  const expiresAt = Date.parse(pair.accessTokenExpiresAt);
  const issuedAt = issuedAtOf(pair.accessToken);
  const lifetime = issuedAt === undefined ? Number.POSITIVE_INFINITY : expiresAt - issuedAt;
  return expiresAt - Math.min(leewaySeconds * 1000, Math.max(0, lifetime / 2));
}

/** The `iat` of a JWT access token in ms, if it is one (the SDK never verifies it). */
function issuedAtOf(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replaceAll('-', '+').replaceAll('_', '/'));
    const iat = (JSON.parse(json) as { iat?: unknown }).iat;
    return typeof iat === 'number' ? iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}

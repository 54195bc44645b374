import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '@evently/contracts';
import { errors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { AppError } from '../../kernel/app-error.js';

export const ISSUER = 'evently';
export const AUDIENCE = 'evently-api';
/** RFC 9068's media type for access tokens; a refresh token is never a JWT at all. */
const ACCESS_TYP = 'at+jwt';
const ALGORITHM = 'HS256';
/** Verified tokens remembered per process: a client sends the same one for minutes. */
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessClaims {
  userId: string;
  role: Role;
  sessionId: string;
}

export interface TokenIssuer {
  signAccess(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }>;
  /** Throws AppError TOKEN_EXPIRED or UNAUTHENTICATED. */
  verifyAccess(token: string): Promise<AccessClaims>;
}

export function createTokenIssuer(deps: {
  secret: string;
  accessTtlSeconds: number;
  now: () => Date;
}): TokenIssuer {
  // Imported once: jose would otherwise import the raw secret on every sign and verify.
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(deps.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  // A token's signature and claims never change, only the clock moves: once verified, a token
  // needs just its expiry checked again. Keyed by the whole token, so only the exact bytes that
  // passed verification hit; revocation is the session check's business, per request as before.
  const verified = new LRUCache<string, { claims: AccessClaims; expiresAtMs: number }>({
    max: VERIFIED_CACHE_SIZE,
  });
  return {
    async signAccess(claims) {
      const issuedAt = Math.floor(deps.now().getTime() / 1000);
      const exp = issuedAt + deps.accessTtlSeconds;
      const token = await new SignJWT({ role: claims.role, sid: claims.sessionId, typ: 'access' })
        .setProtectedHeader({ alg: ALGORITHM, typ: ACCESS_TYP })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(claims.userId)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setExpirationTime(exp)
        .sign(await key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async verifyAccess(token) {
      const known = verified.get(token);
      if (known) {
        if (known.expiresAtMs <= deps.now().getTime()) {
          verified.delete(token);
          throw new AppError('TOKEN_EXPIRED', 'Access token expired');
        }
        return known.claims;
      }
      try {
        const { payload } = await jwtVerify(token, await key, {
          // Pinned: `none`, RS*/ES* (and so HS/RS confusion) are refused before any signature check.
          algorithms: [ALGORITHM],
          issuer: ISSUER,
          audience: AUDIENCE,
          typ: ACCESS_TYP,
          currentDate: deps.now(),
          requiredClaims: ['sub', 'sid', 'jti', 'exp', 'iat'],
        });
        if (payload.typ !== 'access' || typeof payload.sid !== 'string' || !payload.sub) {
          throw new AppError('UNAUTHENTICATED', 'Not an access token');
        }
        const claims = { userId: payload.sub, role: payload.role as Role, sessionId: payload.sid };
        // jose checked `exp` is present and in the future.
        verified.set(token, { claims, expiresAtMs: (payload.exp ?? 0) * 1000 });
        return claims;
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof errors.JWTExpired)
          throw new AppError('TOKEN_EXPIRED', 'Access token expired');
        throw new AppError('UNAUTHENTICATED', 'Access token is invalid');
      }
    },
  };
}

/** Opaque, 256 random bits; only its hash is stored. The prefix tells humans what it is. */
export function newRefreshToken(): string {
  return `evr_${randomBytes(32).toString('base64url')}`;
}

/** Tokens are high-entropy, so a fast unsalted hash is enough (nothing to brute-force). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

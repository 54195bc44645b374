import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { type TicketClaims, type TicketKeySet, ticketClaimsSchema } from '@evently/contracts';
import type { Database, TicketPublicJwk } from '@evently/db';
import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK } from 'jose';
import type { Kysely } from 'kysely';
import { ticketKeysRepository as repo } from './ticket-keys.repository.js';

/** How long the public keys read from the database are trusted before they are read again. */
const KEYS_TTL_MS = 10_000;
/** A kid is the start of its key's RFC 7638 thumbprint: short enough to keep QR codes small. */
const KID_LENGTH = 16;

/** Signs ticket codes with the current key; verifies them with any key not revoked. */
export interface TicketKeys {
  /** A compact JWS (EdDSA) of the claims: deterministic, so a ticket's code never changes. */
  sign(claims: TicketClaims): Promise<string>;
  /** The claims of a code signed by a key of ours that is not revoked; undefined otherwise. */
  verify(code: string): Promise<TicketClaims | undefined>;
  /** The public keys a gate verifies codes with (revoked ones left out). */
  jwks(): Promise<TicketKeySet>;
}

/** The keys as a module holds them: loaded once, before anything signs. */
export interface LoadableTicketKeys extends TicketKeys {
  /**
   * Reads (or, embedded, makes) the signing key now. Called at start-up: the confirmation mail
   * signs inside its delivery transaction, where a first load would wait for a connection of
   * its own — forever on PGlite, which has one.
   */
  load(): Promise<void>;
}

export class TicketKeyError extends Error {}

/**
 * The signing key: TICKET_SIGNING_KEY (an Ed25519 private key, PKCS#8 PEM or JWK) when given —
 * required in production, and never stored — or else, outside production, the key this database
 * keeps for itself, made on the first start (its tickets outlive a restart). Rotation is a new
 * TICKET_SIGNING_KEY: the old key's public half stays listed, so the tickets it signed stay valid
 * until it is revoked.
 */
export function ticketKeys(db: Kysely<Database>, config: TicketKeysConfig): LoadableTicketKeys {
  // Read on first use, or when `load()` is called.
  let loaded: Promise<TicketKeys> | undefined;
  const keys = () => {
    loaded ??= loadTicketKeys(db, config);
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
  return {
    sign: async (claims) => (await keys()).sign(claims),
    verify: async (code) => (await keys()).verify(code),
    jwks: async () => (await keys()).jwks(),
    load: async () => {
      await keys();
    },
  };
}

export interface TicketKeysConfig {
  /** TICKET_SIGNING_KEY. */
  signingKey?: string | undefined;
  /** Refuse to make a key of our own (NODE_ENV=production). */
  production: boolean;
  now?: () => number;
}

async function loadTicketKeys(db: Kysely<Database>, config: TicketKeysConfig): Promise<TicketKeys> {
  const privateKey = config.signingKey
    ? parsePrivateKey(config.signingKey)
    : await embeddedKey(db, config.production);
  const publicJwk = await publicJwkOf(privateKey);
  const kid = (await calculateJwkThumbprint(publicJwk)).slice(0, KID_LENGTH);
  await repo.register(db, kid, publicJwk, null);
  const now = config.now ?? Date.now;

  let known: { at: number; keys: Map<string, KeyObject> } | undefined;
  async function publicKeys(refresh: boolean): Promise<Map<string, KeyObject>> {
    if (!known || refresh || now() - known.at > KEYS_TTL_MS) {
      const rows = await repo.live(db);
      known = {
        at: now(),
        keys: new Map(
          rows.map((r) => [r.kid, createPublicKey({ key: { ...r.public_jwk }, format: 'jwk' })]),
        ),
      };
    }
    return known.keys;
  }

  return {
    async sign(claims) {
      return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .sign(privateKey);
    },
    async verify(code) {
      try {
        const { payload } = await compactVerify(
          code,
          async (header) => {
            const keyId = header.kid ?? '';
            // A key made since the last read (another instance's rotation) is read at once.
            const key = (await publicKeys(false)).get(keyId) ?? (await publicKeys(true)).get(keyId);
            if (!key) throw new TicketKeyError('unknown key');
            return key;
          },
          { algorithms: ['EdDSA'] },
        );
        const claims = ticketClaimsSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
        return claims.success ? claims.data : undefined;
      } catch {
        return undefined;
      }
    },
    async jwks() {
      const rows = await repo.live(db);
      return {
        keys: rows.map((r) => ({ ...r.public_jwk, kid: r.kid, alg: 'EdDSA', use: 'sig' })),
      };
    },
  };
}

/** TICKET_SIGNING_KEY as a key; throws TicketKeyError for anything but an Ed25519 private key. */
export function parsePrivateKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    // A PEM in one environment line may carry its line breaks as \n.
    const trimmed = text.trim().replaceAll('\\n', '\n');
    key = trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKeyInput, format: 'jwk' })
      : createPrivateKey(trimmed);
  } catch {
    throw new TicketKeyError('TICKET_SIGNING_KEY is not a private key (PKCS#8 PEM or JWK)');
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TicketKeyError('TICKET_SIGNING_KEY must be an Ed25519 key');
  }
  return key;
}

type JsonWebKeyInput = Parameters<typeof createPrivateKey>[0] extends infer K
  ? K extends { format: 'jwk'; key: infer J }
    ? J
    : never
  : never;

/** The key this database keeps for a deployment without TICKET_SIGNING_KEY (not production). */
async function embeddedKey(db: Kysely<Database>, production: boolean): Promise<KeyObject> {
  if (production) throw new TicketKeyError('TICKET_SIGNING_KEY is required in production');
  const kept = await repo.newestEmbedded(db);
  if (kept) return createPrivateKey(kept);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicJwk = await publicJwkOf(privateKey);
  const kid = (await calculateJwkThumbprint(publicJwk)).slice(0, KID_LENGTH);
  await repo.register(db, kid, publicJwk, pem);
  return privateKey;
}

async function publicJwkOf(privateKey: KeyObject): Promise<TicketPublicJwk> {
  const jwk = await exportJWK(createPublicKey(privateKey));
  return { kty: jwk.kty ?? 'OKP', crv: jwk.crv ?? 'Ed25519', x: jwk.x ?? '' };
}

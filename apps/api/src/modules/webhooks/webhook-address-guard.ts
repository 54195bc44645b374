import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../kernel/app-error.js';

/** An address a delivery may connect to: checked, and the only one its socket will use. */
export interface WebhookTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Why a URL is not delivered to (never a secret: shown to its owners). */
export class RefusedUrl extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RefusedUrl';
  }
}

/**
 * Cloud metadata services, named although their ranges (link-local, unique-local) are refused
 * anyway: the one address an SSRF is usually after.
 */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

/**
 * Why `address` is no place to send a webhook, or undefined for a public unicast address.
 * ipaddr.js names the range (loopback, private, linkLocal, carrierGradeNat, uniqueLocal,
 * multicast, unspecified, broadcast, reserved, and the IPv6 transition ranges that embed an
 * IPv4 address: 6to4, Teredo, NAT64): only `unicast` is public. An IPv4-mapped IPv6 address is
 * judged as the IPv4 address it is.
 */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.process(address);
  const normalized = parsed.toNormalizedString();
  if (METADATA_ADDRESSES.has(normalized) || METADATA_ADDRESSES.has(parsed.toString())) {
    return 'a cloud metadata address';
  }
  const range = parsed.range();
  return range === 'unicast' ? undefined : `a ${range} address`;
}

/** The URL's host as DNS or an IP parser takes it (`[::1]` -> `::1`). */
function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export interface AddressGuardOptions {
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: every address is allowed (tests, private deployments). */
  allowPrivateNetworks: boolean;
  /** How long a DNS answer may take. Default 5 s. */
  lookupTimeoutMs?: number;
  /** The resolver (tests may answer names themselves). Default: the system's (getaddrinfo). */
  resolve?: (host: string) => Promise<Array<{ address: string; family: number }>>;
}

const systemResolve = (host: string) => lookup(host, { all: true, verbatim: true });

/**
 * Where a webhook URL may be delivered to. Every attempt resolves the host again and checks
 * every address it answers (one refused address refuses the URL: an attacker's DNS may mix
 * them), and the attempt then connects to the address checked here — not to whatever a second
 * lookup would answer — so a name rebound to 127.0.0.1 between check and connect cannot slip
 * through.
 */
export function createAddressGuard(options: AddressGuardOptions) {
  const resolveHost = options.resolve ?? systemResolve;
  const timeoutMs = options.lookupTimeoutMs ?? 5_000;

  function checked(address: string): void {
    if (options.allowPrivateNetworks) return;
    const refused = refusedAddress(address);
    if (refused) throw new RefusedUrl(`it resolves to ${address}, ${refused}`);
  }

  async function addressesOf(host: string): Promise<Array<{ address: string; family: number }>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`DNS lookup of ${host} timed out`)), timeoutMs);
    });
    try {
      return await Promise.race([resolveHost(host), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The address to connect to; throws RefusedUrl, or the DNS error. */
  async function target(rawUrl: string): Promise<WebhookTarget> {
    const url = new URL(rawUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new RefusedUrl('only http and https URLs are delivered to');
    }
    const host = hostOf(url);
    const literal = isIP(host);
    if (literal !== 0) {
      checked(host);
      return { url, address: host, family: literal === 6 ? 6 : 4 };
    }
    const answers = await addressesOf(host);
    const first = answers[0];
    if (!first) throw new Error(`${host} has no address`);
    for (const answer of answers) checked(answer.address);
    return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
  }

  return {
    target,
    /**
     * At creation and update: a URL whose addresses are refused is WEBHOOK_URL_REFUSED. A host
     * that does not resolve (yet) is accepted: every attempt checks it again.
     */
    async check(rawUrl: string): Promise<void> {
      try {
        await target(rawUrl);
      } catch (error) {
        if (error instanceof RefusedUrl) {
          throw new AppError(
            'WEBHOOK_URL_REFUSED',
            `This URL is not delivered to: ${error.message}`,
          );
        }
      }
    },
  };
}

export type AddressGuard = ReturnType<typeof createAddressGuard>;

import { ipRateLimitKey, type RateLimiterFactory } from '@evently/platform';
import { LRUCache } from 'lru-cache';
import { throttledWarning, type WarnLog } from '../cache/throttled-warning.js';
import { AppError } from '../kernel/app-error.js';

/**
 * Per network and minute: a person browsing fast (a page of 20 events and their availability in
 * one batch, every two seconds) stays under a third of it; a script enumerating ids does not.
 */
export const ANONYMOUS_READS_PER_MINUTE = 1_200;

/** Most reads one counter round trip pays for ahead (see "Leases" below). */
const LEASE_MAX = 100;
/** A lease takes at most this share of what the network would have left after the reads. */
const LEASE_SHARE = 1 / 8;

/** The budget of reads by callers nobody signed in, per client network. */
export interface AnonymousReadLimit {
  /**
   * Counts `reads` reads from `ip` (default 1); throws RATE_LIMITED (with retryAfterSeconds)
   * past the budget.
   */
  hit(ip: string, reads?: number): Promise<void>;
  /**
   * Counts `reads` reads from `ip` (default 1) against reads this process has already paid for,
   * with no round trip; false, counting nothing, when it holds too few (then call `hit`).
   */
  hitLocally(ip: string, reads?: number): boolean;
}

/** Reads a process has paid for ahead for one network, and what the counter said was left. */
interface Lease {
  left: number;
  remaining: number;
}

export function createAnonymousReadLimit(deps: {
  rateLimits: RateLimiterFactory;
  log: WarnLog;
  perMinute?: number;
}): AnonymousReadLimit {
  const limiter = deps.rateLimits.create({
    name: 'anonymous-read',
    points: deps.perMinute ?? ANONYMOUS_READS_PER_MINUTE,
    durationSeconds: 60,
  });
  const warnUncounted = throttledWarning(
    deps.log,
    'rate limits unreachable; anonymous reads go uncounted',
  );
  // Leases: a round trip to the shared counter (Redis) counts the read AND up to LEASE_MAX more
  // (an eighth of what the network would have left, as last asked), which the next reads from that
  // network on this process spend without asking. The counter never undercounts: reads are
  // paid for before they happen. A network is at most refused early by the leases other
  // processes hold unspent (near the end of a budget they shrink to nothing), and a lease
  // carried past the counter's minute counts in the minute it was taken.
  const leases = new LRUCache<string, Lease>({ max: 10_000 });
  // A client's address parsed into its network once, not on every read.
  const networks = new LRUCache<string, string>({ max: 10_000 });
  const networkOf = (ip: string): string => {
    let key = networks.get(ip);
    if (key === undefined) {
      key = ipRateLimitKey(ip);
      networks.set(ip, key);
    }
    return key;
  };
  /** One counter round trip per network at a time: concurrent reads wait for its lease. */
  const asking = new Map<string, Promise<void>>();

  const spend = (key: string, reads = 1): boolean => {
    const lease = leases.get(key);
    if (!lease || lease.left < reads) return false;
    lease.left -= reads;
    return true;
  };

  const payFor = async (key: string, reads: number): Promise<void> => {
    const known = leases.get(key);
    // What is left of the lease (too little for these reads) pays for part of them.
    const have = known?.left ?? 0;
    if (known) known.left = 0;
    const need = reads - have;
    // A share of what would be left after these reads: a lease never tips a network over.
    const ahead = known
      ? Math.min(LEASE_MAX, Math.floor(Math.max(0, known.remaining - need) * LEASE_SHARE))
      : 0;
    const giveBack = () => {
      if (have > 0) leases.set(key, { left: have, remaining: known?.remaining ?? 0 });
    };
    let result: Awaited<ReturnType<typeof limiter.consume>>;
    try {
      result = await limiter.consume(key, need + ahead);
    } catch (error) {
      // Reads serve from the database while Redis is down (the read cache falls back too);
      // an abuse limit on reads must not take them down with it. Auth limits fail closed.
      giveBack();
      warnUncounted({ err: error });
      return;
    }
    if (!result.allowed) {
      giveBack();
      throw new AppError('RATE_LIMITED', 'Too many reads from your network; retry later', {
        retryAfterSeconds: result.retryAfterSeconds,
      });
    }
    leases.set(key, { left: ahead, remaining: result.remaining });
  };

  return {
    hitLocally: (ip, reads) => spend(networkOf(ip), reads),

    async hit(ip, reads = 1) {
      const key = networkOf(ip);
      for (;;) {
        if (spend(key, reads)) return;
        const pending = asking.get(key);
        if (!pending) break;
        // Its lease may cover these reads too; if it is refused, so are they (asked again).
        await pending.catch(() => undefined);
      }
      const paying = payFor(key, reads).finally(() => asking.delete(key));
      asking.set(key, paying);
      await paying;
    },
  };
}

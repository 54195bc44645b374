import { ipRateLimitKey, type RateLimiterFactory, type RateLimitResult } from '@evently/platform';
import { AppError } from '../../kernel/app-error.js';

/**
 * `vouchers.check` is an oracle for codes, so it is rate limited (the auth module's port and
 * library: fixed windows counted in Redis, shared by every instance; fail closed — with Redis
 * away the check refuses rather than answers uncounted):
 *
 * - per client network (`ipRateLimitKey`: an IPv4 address, an IPv6 /64): 20 checks per 10 min,
 *   valid or not — at most 120 guesses an hour per network;
 * - per event, from everywhere together: 200 checks per 10 min that find no usable code (a check
 *   that finds one gives its point back, so buyers with real codes do not use the event's budget
 *   up) — at most 1,200 wrong guesses an hour per event, however many networks guess.
 *
 * Against generated codes (12 characters of 31: 31^12 ≈ 7.9 × 10^17) with, say, 1,000 live codes
 * in the event, each guess hits with probability ≈ 1.3 × 10^-15: 1,200 guesses an hour come to
 * ≈ 1.5 × 10^-12 an hour, ≈ 1.3 × 10^-8 a year — nothing. A code a manager chose ("summer25") is
 * as strong as it is unusual: a list of 10,000 likely words takes ~8 hours at the event's rate.
 * Past either limit the check answers RATE_LIMITED with retryAfterSeconds (the rest of the window).
 */
const RULES = {
  ip: { name: 'voucher-check-ip', points: 20, durationSeconds: 600 },
  event: { name: 'voucher-check-event', points: 200, durationSeconds: 600 },
} as const;

export interface VoucherCheckLimits {
  /** Counts one check from `ip` of `eventId`; throws RATE_LIMITED when either budget is spent. */
  hit(ip: string, eventId: string): Promise<void>;
  /** The check found a usable code: the event's budget gets its point back. */
  found(eventId: string): Promise<void>;
  /**
   * An order carrying a code is a guess too: refused RATE_LIMITED while its network's budget is
   * spent, consuming nothing (valid codes of a busy sale must not spend it)…
   */
  guard(ip: string): Promise<void>;
  /** …and a wrong code in it spends a point of both, as a check's would. */
  missed(ip: string, eventId: string): Promise<void>;
}

const retryAfter = (result: RateLimitResult) => (result.allowed ? 0 : result.retryAfterSeconds);

/**
 * The counters live in Redis: when it cannot answer, a code is neither checked nor redeemed
 * (fail closed), and the caller is told to retry — whatever the client library's error says.
 */
async function counted<T>(count: () => Promise<T>): Promise<T> {
  try {
    return await count();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('SERVICE_UNAVAILABLE', 'Voucher codes cannot be checked now; retry shortly');
  }
}

export function createVoucherCheckLimits(factory: RateLimiterFactory): VoucherCheckLimits {
  const perNetwork = factory.create(RULES.ip);
  const perEvent = factory.create(RULES.event);
  const refuse = (seconds: number) => {
    if (seconds > 0) {
      throw new AppError('RATE_LIMITED', 'Too many code checks; try again later', {
        retryAfterSeconds: seconds,
      });
    }
  };
  return {
    hit: (ip, eventId) =>
      counted(async () => {
        // The network first: a network past its own limit spends nothing of the event's, so one
        // network alone cannot use the event's budget up for everyone.
        const network = await perNetwork.consume(ipRateLimitKey(ip));
        const event = network.allowed ? await perEvent.consume(eventId) : network;
        refuse(Math.max(retryAfter(network), retryAfter(event)));
      }),
    found: (eventId) => perEvent.refund(eventId),
    // The network's budget only: an event's, spent by guessers from everywhere, would otherwise
    // close the event's sale with codes to every buyer.
    guard: (ip) =>
      counted(async () => refuse(retryAfter(await perNetwork.peek(ipRateLimitKey(ip))))),
    missed: (ip, eventId) =>
      counted(async () => {
        const network = await perNetwork.consume(ipRateLimitKey(ip));
        if (network.allowed) await perEvent.consume(eventId);
      }),
  };
}

import { randomUUID } from 'node:crypto';
import Redlock, { ExecutionError, ResourceLockedError } from 'redlock';
import type { RedisClient } from '../redis/redis-connection.js';
import { type LockPort, LockUnavailableError } from './lock.port.js';
import { LockBackendError } from './lock-backend-error.js';
import { jitteredDelay, parseLockRequest } from './lock-options.js';
import { createReleaseSignal } from './release-signal.js';

export interface RedisLocksOptions {
  /** Prepended to every lock key (`<prefix>lock:<key>`). */
  prefix: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Claims the next turn for ARGV[1] unless someone else holds the claim; refreshes one's own. */
const CLAIM_TURN = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Drops ARGV[1]'s claim once it got the lock (leaves anyone else's). */
const DROP_TURN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Redlock over one Redis (a 'command' connection: fails fast when Redis is down). The
 * connection belongs to the caller: close() leaves it open.
 */
export async function createRedisLocks(
  redis: RedisClient,
  options: RedisLocksOptions,
): Promise<LockPort> {
  // These settings serve only extension and release inside using(): acquisition is retried
  // below, one attempt at a time, so that contention and an unreachable Redis can be told apart.
  const redlock = new Redlock([redis], { retryCount: 2, retryDelay: 50, retryJitter: 25 });
  // Turn-taking between instances. Redlock alone is unfair: a holder that releases and at once
  // takes the lock again (the bookings allocator does, batch after batch) wins nearly every time
  // against an instance that polls, starving it. So a waiter that failed claims the next turn
  // (`<resource>:next`), and a holder that sees a claim by someone else when it releases lets
  // the claimant in before it competes again.
  // Waiters sleep until a release is announced (or their retry delay passes), not in fixed polls.
  const owner = randomUUID();
  const yieldTo = new Set<string>();
  const released = createReleaseSignal(redis, `${options.prefix}lock-released`);
  // Redlock emits an 'error' for every failed attempt, contention included; the outcome reaches
  // the caller through withLock, so the events carry nothing more.
  redlock.on('error', () => {});

  return {
    async withLock(key, lockOptions, fn) {
      const { ttlMs, retryCount, retryDelayMs } = parseLockRequest(key, lockOptions);
      const resource = `${options.prefix}lock:${key}`;
      const settings = {
        retryCount: 0,
        // Extend well before expiry; the default 500 ms does not fit short locks.
        automaticExtensionThreshold: Math.min(500, Math.floor(ttlMs / 3)),
      };

      const turnKey = `${resource}:next`;
      const claimMs = Math.max(50, retryDelayMs * 5);
      let claimed = false;
      // The claimant goes first: wait for its release (or for its claim to lapse).
      if (yieldTo.delete(resource)) await released.listen(resource).wait(claimMs);

      for (let attempt = 0; ; attempt++) {
        let outcome: Outcome<Awaited<ReturnType<typeof fn>>> | undefined;
        let nextTurn: Promise<string | null> | undefined;
        const release = released.listen(resource);
        try {
          await redlock.using([resource], ttlMs, settings, async (signal) => {
            release.stop();
            if (claimed) void redis.eval(DROP_TURN, 1, turnKey, owner).catch(() => {});
            // Capture the routine's own outcome: a failed release (Redis gone meanwhile) must not
            // replace it — the lock then simply expires after its ttl.
            try {
              outcome = { ok: true, value: await fn(signal) };
            } catch (error) {
              outcome = { ok: false, error };
            }
            // Sent just before the release on the same connection: no extra wait.
            nextTurn = redis.get(turnKey).catch(() => null);
          });
        } catch (error) {
          if (outcome === undefined) {
            if (!(await isContention(error))) {
              release.stop();
              throw new LockBackendError(key, error);
            }
            if (attempt >= retryCount) {
              release.stop();
              throw new LockUnavailableError(key);
            }
            claimed =
              (await redis.eval(CLAIM_TURN, 1, turnKey, owner, claimMs).catch(() => 0)) === 1 ||
              claimed;
            await release.wait(jitteredDelay(retryDelayMs));
            continue;
          }
        }
        released.announce(resource);
        const next = await nextTurn;
        if (next && next !== owner) yieldTo.add(resource);
        if (outcome === undefined) throw new Error(`lock routine for ${key} did not settle`);
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
    },

    async close() {
      redlock.removeAllListeners();
      await released.close();
    },
  };
}

/** True when the attempt failed only because another holder has the resource. */
async function isContention(error: unknown): Promise<boolean> {
  if (!(error instanceof ExecutionError)) return false;
  const last = error.attempts.at(-1);
  if (!last) return false;
  const stats = await last;
  if (stats.votesAgainst.size === 0) return false;
  return [...stats.votesAgainst.values()].every((reason) => reason instanceof ResourceLockedError);
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import Redlock, { ExecutionError, ResourceLockedError } from 'redlock';
import { type LockPort, LockUnavailableError } from './lock.port.js';
import { LockBackendError } from './lock-backend-error.js';
import { jitteredDelay, parseLockRequest } from './lock-options.js';

export interface RedisLocksOptions {
  /** Prepended to every lock key (`<prefix>lock:<key>`). */
  prefix: string;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Redlock over one Redis (a 'command' connection: fails fast when Redis is down). The
 * connection belongs to the caller: close() leaves it open.
 */
export async function createRedisLocks(
  redis: Redis,
  options: RedisLocksOptions,
): Promise<LockPort> {
  // These settings serve only extension and release inside using(): acquisition is retried
  // below, one attempt at a time, so that contention and an unreachable Redis can be told apart.
  const redlock = new Redlock([redis], { retryCount: 2, retryDelay: 50, retryJitter: 25 });
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

      for (let attempt = 0; ; attempt++) {
        let outcome: Outcome<Awaited<ReturnType<typeof fn>>> | undefined;
        try {
          await redlock.using([resource], ttlMs, settings, async (signal) => {
            // Capture the routine's own outcome: a failed release (Redis gone meanwhile) must not
            // replace it — the lock then simply expires after its ttl.
            try {
              outcome = { ok: true, value: await fn(signal) };
            } catch (error) {
              outcome = { ok: false, error };
            }
          });
        } catch (error) {
          if (outcome === undefined) {
            if (!(await isContention(error))) throw new LockBackendError(key, error);
            if (attempt >= retryCount) throw new LockUnavailableError(key);
            await sleep(jitteredDelay(retryDelayMs));
            continue;
          }
        }
        if (outcome === undefined) throw new Error(`lock routine for ${key} did not settle`);
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
    },

    async close() {
      redlock.removeAllListeners();
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

import { LockUnavailableError } from './lock.port.js';

/**
 * The lock could not be taken because its backend (Redis) did not answer — not because someone
 * else holds it. A LockUnavailableError too, so callers that only know "no lock" still work, but
 * it is raised at once instead of after the retries that only help against contention.
 */
export class LockBackendError extends LockUnavailableError {
  constructor(key: string, cause: unknown) {
    super(key);
    this.name = 'LockBackendError';
    this.message = `lock backend unreachable for ${key}: ${cause instanceof Error ? cause.message : String(cause)}`;
    this.cause = cause;
  }
}

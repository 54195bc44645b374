import { intBetween } from './env-fields.js';

/**
 * How long finished records are kept (delivered outbox rows with their processed_events claims,
 * sent mails, ended sessions, used codes, expired idempotency keys). Read wherever the worker
 * runs: the worker process, and the API in the embedded mode.
 */
export const retentionEnvShape = {
  RETENTION_DAYS: intBetween(1, 3_650, 30),
};

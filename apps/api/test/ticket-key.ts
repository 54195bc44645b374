import { generateKeyPairSync } from 'node:crypto';

/**
 * TICKET_SIGNING_KEY for API processes a test starts with NODE_ENV=production (which requires
 * one): made per test run, shared by every process of it so they sign alike; never committed.
 */
export const TEST_TICKET_SIGNING_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

import { optional } from '@evently/platform';
import { z } from 'zod';
import { parsePrivateKey } from '../modules/tickets/ticket-keys.js';

const isEd25519PrivateKey = (text: string) => {
  try {
    parsePrivateKey(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * The key ticket codes are signed with (API.md Part 2, "tickets"): an Ed25519 private key as a
 * PKCS#8 PEM (its line breaks may be written `\n`) or a JWK. Required in production; elsewhere
 * the database keeps a key it made on the first start.
 */
export const ticketsEnvShape = {
  TICKET_SIGNING_KEY: optional(
    z.string().refine(isEd25519PrivateKey, 'must be an Ed25519 private key (PKCS#8 PEM or JWK)'),
  ),
};

interface TicketsEnv {
  NODE_ENV: string;
  TICKET_SIGNING_KEY?: string | undefined;
}

export function checkTicketsEnv(env: TicketsEnv, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV === 'production' && !env.TICKET_SIGNING_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['TICKET_SIGNING_KEY'],
      message:
        'is required in production: an Ed25519 private key (openssl genpkey -algorithm ed25519)',
    });
  }
}

import type { FastifyInstance } from 'fastify';
import type { TicketsService } from '../modules/tickets/tickets.service.js';

export const TICKET_KEYS_PATH = '/.well-known/evently/ticket-keys.json';

/**
 * `GET /.well-known/evently/ticket-keys.json`: the public keys ticket codes are verified with (a
 * JWKS, by `kid`; revoked keys left out), for gates and scanner apps that check codes offline.
 * Cached for five minutes: a new key is announced before tickets are signed with it (the old
 * ones stay listed); a revocation reaches the server's own checks within seconds.
 */
export function registerTicketKeysRoute(app: FastifyInstance, tickets: TicketsService): void {
  app.get(TICKET_KEYS_PATH, async (_request, reply) => {
    const jwks = await tickets.jwks();
    return reply
      .header('cache-control', 'public, max-age=300')
      .type('application/jwk-set+json')
      .send(JSON.stringify(jwks));
  });
}

import type { Ticket } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import { ticketsRepository as repo } from './tickets.repository.js';
import type { TicketAnswers } from './tickets.service.js';

/**
 * A ticket as the API answers it (its code signed), read inside another module's transaction
 * (the webhooks consumer builds its payloads there); undefined when gone.
 */
export function createTicketSnapshots(answers: TicketAnswers) {
  return {
    async ticket(trx: Transaction<Database>, ticketId: string): Promise<Ticket | undefined> {
      const row = await repo.find(trx, ticketId);
      return row && answers.toTicket(row);
    },
  };
}

import type { Ticket } from '@evently/contracts';
import type { Clock } from '../../kernel/clock.js';
import type { MailedTickets } from '../notifications/mail/mailed-tickets.js';
import { ticketQrPng } from './ticket-qr.js';
import { ticketsRepository as repo, type TicketRow } from './tickets.repository.js';

/**
 * The tickets a confirmation mail carries, their codes signed like every answer's (so by the
 * current key) and drawn as PNG for the mail's inline images.
 */
export function createMailedTickets(deps: {
  toTicket: (row: TicketRow) => Promise<Ticket>;
  now: Clock;
}): MailedTickets {
  return {
    async ofConfirmedBooking(trx, bookingId) {
      await repo.issue(trx, [bookingId], deps.now());
      const rows = await repo.forMail(trx, bookingId);
      return Promise.all(
        rows.map(async (row) => {
          const { code } = await deps.toTicket(row);
          return {
            ticketId: row.id,
            name: row.type_name,
            ...(row.seat && {
              seat: { section: row.seat.section, row: row.seat.row, label: row.seat.label },
            }),
            qrPng: await ticketQrPng(code),
          };
        }),
      );
    },
  };
}

import type {
  myTicketsInputSchema,
  Page,
  Ticket,
  TicketKeySet,
  TicketQr,
  ticketQrInputSchema,
} from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import type { z } from 'zod';
import { asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import type { Principal, UserPrincipal } from '../../kernel/principal.js';
import type { TicketKeys } from './ticket-keys.js';
import { renderTicketQr } from './ticket-qr.js';
import { ticketsRepository as repo, type TicketRow } from './tickets.repository.js';

type MyTicketsInput = z.output<typeof myTicketsInputSchema>;
type QrInput = z.output<typeof ticketQrInputSchema>;

/**
 * `tickets.*`: a caller's tickets, a booking's, and a ticket's QR image. (Part of the tRPC
 * context's type, so of the SDK's declarations: no database types here.)
 */
export interface TicketsService {
  mine(principal: UserPrincipal, input: MyTicketsInput): Promise<Page<Ticket>>;
  forBooking(principal: Principal, bookingId: string): Promise<Ticket[]>;
  qr(principal: Principal, input: QrInput): Promise<TicketQr>;
  /** The public keys ticket codes are verified with (a JWKS). */
  jwks(): Promise<TicketKeySet>;
}

/** A ticket row as answered, its code signed (for check-in's answers too). */
export interface TicketAnswers {
  /**
   * `scannedCode`: a code of this ticket just verified (a scan's), answered as it is — signing
   * again would cost a door rush as much as verifying did.
   */
  toTicket(row: TicketRow, scannedCode?: string): Promise<Ticket>;
}

/** What the worker's consumer does with bookings confirmed and cancelled. */
export interface TicketsIssuer {
  issue(trx: Transaction<Database>, bookingIds: readonly string[], at: Date): Promise<number>;
  void(trx: Transaction<Database>, bookingIds: readonly string[], at: Date): Promise<number>;
}

export function createTicketsService(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  keys: TicketKeys;
}): TicketsService & TicketsIssuer & TicketAnswers {
  const { db, roles, keys } = deps;

  async function toTicket(row: TicketRow, scannedCode?: string): Promise<Ticket> {
    const code =
      scannedCode ??
      (await keys.sign({
        tid: row.id,
        eid: row.event_id,
        tt: row.ticket_type_id,
        ...(row.seat_id ? { seat: row.seat_id } : {}),
      }));
    return {
      id: row.id,
      bookingId: row.booking_id,
      eventId: row.event_id,
      ticketTypeId: row.ticket_type_id,
      ...(row.seat ? { seat: row.seat } : {}),
      status: row.status,
      code,
      issuedAt: row.issued_at.toISOString(),
    };
  }

  /** The tickets of a booking the caller may see the tickets of (its holder, its managers). */
  async function allowed(principal: Principal, holder: { userId: string; organizationId: string }) {
    authorize(
      principal,
      'booking.viewTickets',
      asMember(
        { holderId: holder.userId, organizationId: holder.organizationId },
        await roles.of(principal),
      ),
    );
  }

  return {
    async mine(principal, input) {
      const rows = await repo.mine(db, principal.userId, {
        eventId: input.eventId,
        after: input.cursor ?? undefined,
        rows: rowsFor(input.limit),
      });
      const page = keysetPage(rows, input.limit, {
        item: (row) => row,
        sortKey: (row) => ({ c: row.issued_at.toISOString(), i: row.id }),
      });
      return {
        items: await Promise.all(page.items.map((row) => toTicket(row))),
        nextCursor: page.nextCursor,
      };
    },

    async forBooking(principal, bookingId) {
      const booking = await repo.booking(db, bookingId);
      if (!booking) throw new AppError('NOT_FOUND', 'Booking not found');
      await allowed(principal, booking);
      return Promise.all((await repo.forBooking(db, bookingId)).map((row) => toTicket(row)));
    },

    async qr(principal, input) {
      const row = await repo.find(db, input.ticketId);
      // Someone else's ticket is not disclosed: NOT_FOUND, as a booking.
      if (!row) throw new AppError('NOT_FOUND', 'Ticket not found');
      await allowed(principal, { userId: row.user_id, organizationId: row.organization_id });
      return renderTicketQr((await toTicket(row)).code, input.format);
    },

    jwks: () => keys.jwks(),
    toTicket,

    issue: (trx, bookingIds, at) => repo.issue(trx, bookingIds, at),
    void: (trx, bookingIds, at) => repo.void(trx, bookingIds, at),
  };
}

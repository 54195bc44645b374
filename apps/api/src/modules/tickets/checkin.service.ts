import { randomUUID } from 'node:crypto';
import {
  type CheckinAttendee,
  type CheckinExport,
  type CheckinList,
  type CheckinSyncResult,
  checkinResultSchema,
  type checkinSearchInputSchema,
  type checkinSyncInputSchema,
  type createCheckinListInputSchema,
  type RedeemResult,
  type redeemInputSchema,
  type Ticket,
  type TicketClaims,
} from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { asMember, authorize } from '../../access/access-policy.js';
import { AppError } from '../../kernel/app-error.js';
import type { Clock } from '../../kernel/clock.js';
import type { MemberRoles } from '../../kernel/member-roles.js';
import { type Principal, userIdOf } from '../../kernel/principal.js';
import { type ListRow, checkinRepository as repo } from './checkin.repository.js';
import type { TicketKeys } from './ticket-keys.js';
import type { TicketRow } from './tickets.repository.js';
import { ticketsRepository } from './tickets.repository.js';

type CreateListInput = z.output<typeof createCheckinListInputSchema>;
type RedeemInput = z.output<typeof redeemInputSchema>;
type SearchInput = z.output<typeof checkinSearchInputSchema>;
type SyncInput = z.output<typeof checkinSyncInputSchema>;

/** `checkin.*`: an event's check-in lists and the scans at its doors. */
export interface CheckinService {
  createList(principal: Principal, input: CreateListInput): Promise<CheckinList>;
  lists(principal: Principal, eventId: string): Promise<CheckinList[]>;
  redeem(principal: Principal, input: RedeemInput): Promise<RedeemResult>;
  search(principal: Principal, input: SearchInput): Promise<CheckinAttendee[]>;
  export(principal: Principal, listId: string): Promise<CheckinExport>;
  sync(principal: Principal, input: SyncInput): Promise<CheckinSyncResult>;
}

/** Attendees a search answers at most. */
const SEARCH_LIMIT = 20;

/** A scan's answer as its nonce keeps it (the ticket by id: its code is signed on every read). */
const keptAnswerSchema = z.object({
  result: checkinResultSchema,
  ticketId: z.string().optional(),
  firstScan: z.object({ at: z.string(), gate: z.string().nullable() }).optional(),
});
type KeptAnswer = z.infer<typeof keptAnswerSchema>;

/** A scan's kept answer; decided now: with the ticket row it read and the code scanned. */
interface Scanned {
  kept: KeptAnswer;
  seen?: TicketRow;
  code?: string;
}

export function createCheckinService(deps: {
  db: Kysely<Database>;
  roles: MemberRoles;
  keys: TicketKeys;
  now: Clock;
  toTicket: (row: TicketRow, scannedCode?: string) => Promise<Ticket>;
}): CheckinService {
  const { db, roles, keys, now } = deps;

  async function listFor(principal: Principal, listId: string, action: 'event.checkIn') {
    const [list] = await repo.lists(db, { listId });
    if (!list) throw new AppError('NOT_FOUND', 'Check-in list not found');
    await allowed(principal, list, action);
    return list;
  }

  async function allowed(
    principal: Principal,
    event: { organization_id: string; event_status: ListRow['event_status'] },
    action: 'event.checkIn' | 'event.manageCheckin',
  ) {
    authorize(
      principal,
      action,
      asMember(
        { organizationId: event.organization_id, status: event.event_status },
        await roles.of(principal),
      ),
    );
  }

  async function toLists(rows: ListRow[]): Promise<CheckinList[]> {
    const counts = await repo.counts(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      name: r.name,
      ticketTypeIds: r.ticket_type_ids,
      allowReentry: r.allow_reentry,
      checkedIn: counts.get(r.id)?.checkedIn ?? 0,
      total: counts.get(r.id)?.total ?? 0,
      createdAt: r.created_at.toISOString(),
    }));
  }

  /** The answer a scan of `code` gets on `list` now, recording an entry or exit when it is ok. */
  async function decide(
    trx: Transaction<Database>,
    principal: Principal,
    list: ListRow,
    input: RedeemInput,
    claims: TicketClaims | undefined,
    at: Date,
    offline: boolean,
    seen: { ticket?: TicketRow },
  ): Promise<KeptAnswer> {
    if (!claims) return { result: 'invalid' };
    const ticket = await ticketsRepository.find(trx, claims.tid);
    if (ticket) seen.ticket = ticket;
    // A code of ours whose ticket is gone (its booking deleted) is not a ticket.
    if (!ticket) return { result: 'invalid' };
    const ticketId = ticket.id;
    // Another event's ticket is not this door's to show (nor its holder, nor its code).
    if (ticket.event_id !== list.event_id || claims.eid !== list.event_id) {
      return { result: 'wrong_event' };
    }
    if (list.ticket_type_ids && !list.ticket_type_ids.includes(ticket.ticket_type_id)) {
      return { result: 'wrong_list', ticketId };
    }
    if (ticket.status === 'void') return { result: 'void', ticketId };
    const standing = await repo.standing(trx, list.id, ticketId);
    const inside = standing.entries > standing.exits;
    const scan = {
      listId: list.id,
      ticketId,
      at,
      gate: input.gate ?? null,
      nonce: input.nonce,
      scannedBy: userIdOf(principal) ?? null,
    };
    const first = (s: typeof standing) =>
      s.lastEntry ? { at: s.lastEntry.at.toISOString(), gate: s.lastEntry.gate } : undefined;
    if (input.direction === 'exit') {
      if (!inside) return { result: 'not_in', ticketId };
      const left = await repo.record(trx, { ...scan, direction: 'exit', epoch: standing.exits });
      if (!left) return { result: 'not_in', ticketId };
      await checkedIn(trx, ticket, list, { direction: 'exit', gate: scan.gate, at });
      return { result: 'ok', ticketId };
    }
    // In already, or in once and not allowed back: the entry it had is what the gate is told.
    // An offline scan earlier than the one entry on record (no re-entry) is the first: it wins.
    if (offline && !list.allow_reentry && standing.entries === 1 && standing.lastEntry) {
      if (at < standing.lastEntry.at && (await repo.moveFirstEntry(trx, scan))) {
        return { result: 'ok', ticketId };
      }
    }
    if (inside || (standing.entries > 0 && !list.allow_reentry)) {
      const firstScan = first(standing);
      return { result: 'already_in', ticketId, ...(firstScan && { firstScan }) };
    }
    const entered = await repo.record(trx, {
      ...scan,
      direction: 'entry',
      epoch: standing.entries,
    });
    if (entered) {
      await checkedIn(trx, ticket, list, { direction: 'entry', gate: scan.gate, at });
      return { result: 'ok', ticketId };
    }
    // Another gate let it in a moment ago (the same entry's row): its scan is the first.
    const firstScan = first(await repo.standing(trx, list.id, ticketId));
    return { result: 'already_in', ticketId, ...(firstScan && { firstScan }) };
  }

  /**
   * A scan's answer with its ticket: the row the decision read, answered with the code just
   * scanned (verified, and this ticket's); a kept answer (a nonce again) reads and signs anew.
   */
  async function answer(scanned: Scanned): Promise<RedeemResult> {
    const { kept, seen, code } = scanned;
    const row =
      seen && seen.id === kept.ticketId
        ? seen
        : kept.ticketId
          ? await ticketsRepository.find(db, kept.ticketId)
          : undefined;
    const ticket = row && (await deps.toTicket(row, row === seen ? code : undefined));
    return {
      result: kept.result,
      ...(ticket && { ticket }),
      ...(kept.firstScan && { firstScan: kept.firstScan }),
    };
  }

  /**
   * `ticket.checked_in`, in the scan's transaction: an entry or exit recorded is told exactly
   * once (an earlier offline scan that becomes the entry later changes its time, not the count).
   */
  async function checkedIn(
    trx: Transaction<Database>,
    ticket: TicketRow,
    list: ListRow,
    scan: { direction: 'entry' | 'exit'; gate: string | null; at: Date },
  ) {
    await appendEvent(trx, {
      topic: 'ticket.checked_in',
      aggregateId: ticket.id,
      payload: {
        ticketId: ticket.id,
        bookingId: ticket.booking_id,
        eventId: ticket.event_id,
        userId: ticket.user_id,
        listId: list.id,
        direction: scan.direction,
        gate: scan.gate,
        at: scan.at.toISOString(),
      },
    });
  }

  /**
   * One scan in its own transaction, its nonce claimed first: its answer, or the kept one; with
   * the ticket row the decision read and the code scanned, when it decided now.
   */
  async function scanOnce(
    principal: Principal,
    list: ListRow,
    input: RedeemInput,
    at: Date,
    offline: boolean,
  ): Promise<Scanned> {
    // Outside the transaction: verifying may read the keys, on a connection of its own.
    const claims = await keys.verify(input.code);
    const seen: { ticket?: TicketRow } = {};
    const kept = await db.transaction().execute(async (trx): Promise<KeptAnswer | undefined> => {
      // The nonce first: the same scan twice (a retry) waits for the first and gets its answer.
      if (!(await repo.claimNonce(trx, list.id, input.nonce, at))) return undefined;
      const decided = await decide(trx, principal, list, input, claims, at, offline, seen);
      await repo.recordAnswer(trx, list.id, input.nonce, { ...decided });
      return decided;
    });
    if (kept) {
      // The code is this ticket's only if it verified as one of this ticket's.
      const own = claims && seen.ticket && claims.tid === seen.ticket.id;
      return { kept, ...(own && { seen: seen.ticket, code: input.code }) };
    }
    const stored = keptAnswerSchema.safeParse(await repo.answerOf(db, list.id, input.nonce));
    if (!stored.success) throw new AppError('INTERNAL', 'A scan was kept without its answer');
    return { kept: stored.data };
  }

  return {
    async createList(principal, input) {
      const events = await ticketsRepository.event(db, input.eventId);
      if (!events) throw new AppError('NOT_FOUND', 'Event not found');
      await allowed(principal, events, 'event.manageCheckin');
      if (input.ticketTypeIds) {
        const ofEvent = new Set(await repo.typesOfEvent(db, input.eventId, input.ticketTypeIds));
        const others = input.ticketTypeIds.filter((id) => !ofEvent.has(id));
        if (others.length > 0) {
          throw new AppError('VALIDATION_FAILED', 'These ticket types are not the event’s', {
            ticketTypeIds: others,
          });
        }
      }
      const id = randomUUID();
      await db.transaction().execute((trx) =>
        repo.createList(trx, {
          id,
          eventId: input.eventId,
          name: input.name,
          ticketTypeIds: input.ticketTypeIds,
          allowReentry: input.allowReentry,
          createdBy: userIdOf(principal) ?? null,
          at: now(),
        }),
      );
      const [created] = await toLists(await repo.lists(db, { listId: id }));
      if (!created) throw new AppError('INTERNAL', 'The list just made is gone');
      return created;
    },

    async lists(principal, eventId) {
      const event = await ticketsRepository.event(db, eventId);
      if (!event) throw new AppError('NOT_FOUND', 'Event not found');
      await allowed(principal, event, 'event.checkIn');
      return toLists(await repo.lists(db, { eventId }));
    },

    async redeem(principal, input) {
      const list = await listFor(principal, input.listId, 'event.checkIn');
      return answer(await scanOnce(principal, list, input, now(), false));
    },

    async search(principal, input) {
      const list = await listFor(principal, input.listId, 'event.checkIn');
      const found = await repo.search(db, list, input.q, SEARCH_LIMIT);
      const rows = await Promise.all(found.map((f) => ticketsRepository.find(db, f.id)));
      const inside = await repo.insideOf(
        db,
        list.id,
        found.map((f) => f.id),
      );
      return Promise.all(
        found.flatMap((f, i) => {
          const row = rows[i];
          if (!row) return [];
          return [
            deps.toTicket(row).then((ticket) => ({
              ticket,
              name: f.name,
              email: f.email,
              ticketTypeName: f.ticket_type_name,
              inside: inside.has(f.id),
            })),
          ];
        }),
      );
    },

    async export(principal, listId) {
      const list = await listFor(principal, listId, 'event.checkIn');
      const exportedAt = now();
      const [answered] = await toLists([list]);
      if (!answered) throw new AppError('INTERNAL', 'The list is gone');
      const tickets = await repo.exportTickets(db, list);
      return {
        list: answered,
        keys: await keys.jwks(),
        tickets: tickets.map((t) => ({
          id: t.id,
          ticketTypeId: t.ticket_type_id,
          status: t.status,
          inside: t.inside,
          entered: t.entered,
        })),
        exportedAt: exportedAt.toISOString(),
      };
    },

    async sync(principal, input) {
      const list = await listFor(principal, input.listId, 'event.checkIn');
      // In the order they happened: of two scans of one ticket, the earlier is its entry.
      const ordered = input.scans
        .map((scan, index) => ({ scan, index }))
        .sort((a, b) => Date.parse(a.scan.at) - Date.parse(b.scan.at) || a.index - b.index);
      const results: CheckinSyncResult['results'] = new Array(input.scans.length);
      for (const { scan, index } of ordered) {
        const scanned = await scanOnce(
          principal,
          list,
          {
            listId: list.id,
            code: scan.code,
            nonce: scan.nonce,
            direction: scan.direction,
            gate: scan.gate,
          },
          new Date(scan.at),
          true,
        );
        results[index] = { nonce: scan.nonce, ...(await answer(scanned)) };
      }
      return { results };
    },
  };
}

import {
  type createTicketTypeInputSchema,
  type listTicketTypesInputSchema,
  type TicketType,
  type TicketTypeFields,
  ticketTypeRulesSchema,
  type updateTicketTypeInputSchema,
} from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import { allows, asMember, authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import { actorOf, type Principal } from '../../kernel/principal.js';
import { waitlistHolds } from '../bookings/waitlist-room.js';
import { quotasRepository as quotasRepo } from './quotas.repository.js';
import { changeSelling, type SellingDeps } from './selling-change.js';
import {
  auditedQuota,
  auditedType,
  availabilityOf,
  roomOf,
  toTicketType,
  toTicketTypeColumns,
  toTicketTypeFields,
} from './ticket-types.mappers.js';
import {
  ticketTypesRepository as repo,
  type SellingEvent,
  type TicketTypeRow,
  type Unlocking,
} from './ticket-types.repository.js';

/** `ticketTypes.*`: what an event sells. */
export interface TicketTypesService {
  create(
    principal: Principal,
    input: z.output<typeof createTicketTypeInputSchema>,
  ): Promise<TicketType>;
  update(
    principal: Principal,
    input: z.output<typeof updateTicketTypeInputSchema>,
  ): Promise<TicketType>;
  archive(principal: Principal, id: string): Promise<TicketType>;
  list(
    principal: Principal | null,
    input: z.output<typeof listTicketTypesInputSchema>,
  ): Promise<TicketType[]>;
}

/** The rules between a type's fields on the stored type merged with a patch (issues under `patch`). */
function withRules(fields: TicketTypeFields): TicketTypeFields {
  const checked = ticketTypeRulesSchema.safeParse(fields);
  if (checked.success) return checked.data;
  throw new AppError(
    'VALIDATION_FAILED',
    'The ticket type breaks a rule between its fields',
    undefined,
    checked.error.issues.map((issue) => ({ ...issue, path: ['patch', ...issue.path] })),
  );
}

const unlocks = (voucher: Unlocking | undefined, ticketTypeId: string) =>
  voucher !== undefined &&
  (voucher.ticketTypeIds === null || voucher.ticketTypeIds.includes(ticketTypeId));

export function createTicketTypesService(deps: SellingDeps): TicketTypesService {
  const { db, roles, now } = deps;

  /** The event's types with live availability (read after the change committed). */
  async function present(
    event: SellingEvent,
    keep: (row: TicketTypeRow) => boolean,
    voucherCode?: string,
  ) {
    const [types, room, quotas, queue] = await Promise.all([
      repo.listForEvent(db, event.id),
      event.status === 'published' ? repo.room(db, event.id, now(), voucherCode) : undefined,
      quotasRepo.listForEvent(db, event.id),
      waitlistHolds(db, event.id, now()),
    ]);
    const rooms = roomOf(event, room, quotas, queue);
    return types
      .filter(keep)
      .map((t) => toTicketType(t, event.currency, availabilityOf(t, t.quota_ids, rooms)));
  }

  async function presentOne(event: SellingEvent, id: string): Promise<TicketType> {
    const [type] = await present(event, (row) => row.id === id);
    if (!type) throw new AppError('NOT_FOUND', 'Ticket type not found');
    return type;
  }

  /** The type's event, for a change to it (a type never moves to another event). */
  async function eventOf(id: string): Promise<string> {
    const found = await repo.find(db, id);
    if (!found) throw new AppError('NOT_FOUND', 'Ticket type not found');
    return found.event_id;
  }

  /** The type as it is now, under the change's locks. */
  async function current(trx: Transaction<Database>, id: string): Promise<TicketTypeRow> {
    const row = await repo.find(trx, id);
    if (!row) throw new AppError('NOT_FOUND', 'Ticket type not found');
    return row;
  }

  return {
    async create(principal, input) {
      const event = await changeSelling(deps, principal, input.eventId, async (trx, event) => {
        const at = now();
        const row = await repo.insert(trx, {
          event_id: event.id,
          name: input.name,
          description: input.description,
          price_cents: input.priceCents,
          min_per_booking: input.minPerBooking,
          max_per_booking: input.maxPerBooking,
          sales_start_at: input.salesStartAt,
          sales_end_at: input.salesEndAt,
          hidden: input.hidden,
          created_at: at,
          updated_at: at,
        });
        await appendAudit(trx, {
          entity: 'ticket_type',
          entityId: row.id,
          action: 'create',
          ...actorOf(principal),
          after: auditedType(row),
        });
        if (input.capacity !== undefined) {
          // The shortcut: a quota of this type alone, named after it (a new type has no seats).
          const quotaId = await quotasRepo.insert(trx, {
            eventId: event.id,
            name: row.name,
            size: input.capacity,
            seats: { confirmed: 0, held: 0 },
            at,
          });
          await quotasRepo.setMembers(trx, quotaId, [row.id]);
          const quota = await quotasRepo.find(trx, quotaId);
          await appendAudit(trx, {
            entity: 'quota',
            entityId: quotaId,
            action: 'create',
            ...actorOf(principal),
            after: quota ? auditedQuota(quota) : null,
          });
        }
        return { ...event, createdId: row.id };
      });
      return presentOne(event, event.createdId);
    },

    async update(principal, input) {
      const eventId = await eventOf(input.id);
      const event = await changeSelling(deps, principal, eventId, async (trx, event) => {
        const before = await current(trx, input.id);
        if (before.version !== input.expectedVersion) {
          throw new AppError('VERSION_CONFLICT', 'The ticket type changed since you read it', {
            version: before.version,
          });
        }
        withRules({ ...toTicketTypeFields(before), ...input.patch });
        // Prices are snapshotted in each booking's lines: a new price only sells from now on.
        const after = await repo.update(trx, input.id, before.version, {
          ...toTicketTypeColumns(input.patch),
          updated_at: now(),
        });
        if (!after) {
          throw new AppError('VERSION_CONFLICT', 'The ticket type changed meanwhile; retry');
        }
        await appendAudit(trx, {
          entity: 'ticket_type',
          entityId: input.id,
          action: 'update',
          ...actorOf(principal),
          before: auditedType(before),
          after: auditedType(after),
        });
        return event;
      });
      return presentOne(event, input.id);
    },

    async archive(principal, id) {
      const eventId = await eventOf(id);
      const event = await changeSelling(deps, principal, eventId, async (trx, event) => {
        const before = await current(trx, id);
        // Archived already: nothing to change (a retry answers the same).
        if (before.status === 'archived') return event;
        const after = await repo.update(trx, id, before.version, {
          status: 'archived',
          updated_at: now(),
        });
        if (!after)
          throw new AppError('VERSION_CONFLICT', 'The ticket type changed meanwhile; retry');
        await appendAudit(trx, {
          entity: 'ticket_type',
          entityId: id,
          action: 'archive',
          ...actorOf(principal),
          before: auditedType(before),
          after: auditedType(after),
        });
        return event;
      });
      return presentOne(event, id);
    },

    async list(principal, input) {
      const event = await repo.event(db, input.eventId);
      if (!event) throw new AppError('NOT_FOUND', 'Event not found');
      const facts = asMember(event, await roles.of(principal));
      // A draft is seen by the members who see its drafts, and admins; NOT_FOUND to anyone else.
      authorize(principal, 'event.view', facts);
      // They also see its hidden and archived types; everyone else the active ones, and the
      // hidden ones a valid code of the event unlocks.
      const everything = allows(principal, 'event.viewAllTicketTypes', facts);
      const voucher =
        everything || input.voucherCode === undefined
          ? undefined
          : await repo.unlocking(db, event.id, input.voucherCode, now());
      return present(
        event,
        (t) => everything || (t.status === 'active' && (!t.hidden || unlocks(voucher, t.id))),
        input.voucherCode?.toLowerCase(),
      );
    },
  };
}

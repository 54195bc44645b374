import type { createQuotaInputSchema, Quota, updateQuotaInputSchema } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import { asMember, authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import { actorOf, type Principal } from '../../kernel/principal.js';
import { type LiveSeats, type QuotaRow, quotasRepository as repo } from './quotas.repository.js';
import { changeSelling, type SellingDeps } from './selling-change.js';
import { auditedQuota, toQuota } from './ticket-types.mappers.js';
import { ticketTypesRepository as typesRepo } from './ticket-types.repository.js';

/** `quotas.*`: the limits an event's ticket types share. */
export interface QuotasService {
  create(principal: Principal, input: z.output<typeof createQuotaInputSchema>): Promise<Quota>;
  update(principal: Principal, input: z.output<typeof updateQuotaInputSchema>): Promise<Quota>;
  delete(principal: Principal, id: string): Promise<{ ok: true }>;
  list(principal: Principal, eventId: string): Promise<Quota[]>;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id) => b.includes(id));

const belowBooked = (seats: LiveSeats, size: number) =>
  new AppError('CAPACITY_BELOW_BOOKED', 'A quota cannot be smaller than the seats it counts', {
    booked: seats.confirmed + seats.held,
    size,
  });

export function createQuotasService(deps: SellingDeps): QuotasService {
  const { db, roles, now } = deps;

  /** Every id must be a type of the quota's event. */
  async function checkTypes(
    trx: Transaction<Database>,
    eventId: string,
    ids: readonly string[],
  ): Promise<void> {
    if ((await typesRepo.countOfEvent(trx, eventId, ids)) === ids.length) return;
    throw new AppError(
      'VALIDATION_FAILED',
      'A quota caps ticket types of its own event',
      undefined,
      [
        {
          code: 'custom',
          path: ['ticketTypeIds'],
          message: 'must be ticket types of the event',
          input: ids,
        },
      ],
    );
  }

  /** The quota's event, for a change to it (a quota never moves to another event). */
  async function eventOf(id: string): Promise<string> {
    const found = await repo.find(db, id);
    if (!found) throw new AppError('NOT_FOUND', 'Quota not found');
    return found.event_id;
  }

  /** The quota locked, after the event's inventory row (changeSelling took it). */
  async function locked(trx: Transaction<Database>, id: string): Promise<QuotaRow> {
    const row = await repo.lock(trx, id);
    if (!row) throw new AppError('NOT_FOUND', 'Quota not found');
    return row;
  }

  async function audited(
    trx: Transaction<Database>,
    principal: Principal,
    id: string,
    action: 'create' | 'update',
    before?: QuotaRow,
  ): Promise<QuotaRow> {
    const after = await repo.find(trx, id);
    if (!after) throw new Error(`quota ${id} vanished inside its own transaction`);
    await appendAudit(trx, {
      entity: 'quota',
      entityId: id,
      action,
      ...actorOf(principal),
      before: before ? auditedQuota(before) : null,
      after: auditedQuota(after),
    });
    return after;
  }

  return {
    async create(principal, input) {
      const row = await changeSelling(deps, principal, input.eventId, async (trx, event) => {
        await checkTypes(trx, event.id, input.ticketTypeIds);
        // A new quota counts the seats its types already sold (the bookings module moves a
        // quota with every line of its types, so it must start from what they hold): exact,
        // since no seat of the event moves while its inventory row is locked.
        const seats = await repo.liveSeats(trx, input.ticketTypeIds);
        if (seats.confirmed + seats.held > input.size) throw belowBooked(seats, input.size);
        const id = await repo.insert(trx, {
          eventId: event.id,
          name: input.name,
          size: input.size,
          seats,
          at: now(),
        });
        await repo.setMembers(trx, id, input.ticketTypeIds);
        return audited(trx, principal, id, 'create');
      });
      return toQuota(row);
    },

    async update(principal, input) {
      const eventId = await eventOf(input.id);
      const row = await changeSelling(deps, principal, eventId, async (trx, event) => {
        const before = await locked(trx, input.id);
        if (before.version !== input.expectedVersion) {
          throw new AppError('VERSION_CONFLICT', 'The quota changed since you read it', {
            version: before.version,
          });
        }
        const types = input.ticketTypeIds;
        const newTypes = types !== undefined && !sameSet(types, before.ticket_type_ids);
        let seats: LiveSeats = before;
        if (newTypes) {
          await checkTypes(trx, event.id, types);
          // A quota that counts seats keeps its types: those seats were sold against it as the
          // types it has, and another set of types would count other seats (or un-count these)
          // under the same limit. Refused (INVALID_STATE) until it counts none — its bookings
          // ended — or make another quota. An empty one takes what its new types hold now.
          if (before.confirmed + before.held > 0) {
            throw new AppError(
              'INVALID_STATE',
              'The ticket types of a quota that counts booked or held seats cannot change',
              { confirmed: before.confirmed, held: before.held },
            );
          }
          seats = await repo.liveSeats(trx, types);
        }
        const size = input.size ?? before.size;
        if (seats.confirmed + seats.held > size) throw belowBooked(seats, size);
        await repo.update(trx, input.id, {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.size !== undefined && { size: input.size }),
          ...(newTypes && { seats }),
          at: now(),
        });
        if (newTypes) await repo.setMembers(trx, input.id, types);
        return audited(trx, principal, input.id, 'update', before);
      });
      return toQuota(row);
    },

    async delete(principal, id) {
      const eventId = await eventOf(id);
      await changeSelling(deps, principal, eventId, async (trx) => {
        // Its types sell without this limit from now on; what it counted stays sold.
        const before = await locked(trx, id);
        await repo.delete(trx, id);
        await appendAudit(trx, {
          entity: 'quota',
          entityId: id,
          action: 'delete',
          ...actorOf(principal),
          before: auditedQuota(before),
        });
      });
      return { ok: true };
    },

    async list(principal, eventId) {
      const seen = await roles.of(principal);
      const event = await typesRepo.event(db, eventId);
      if (!event) throw new AppError('NOT_FOUND', 'Event not found');
      authorize(principal, 'event.readQuotas', asMember(event, seen));
      return (await repo.listForEvent(db, eventId)).map(toQuota);
    },
  };
}

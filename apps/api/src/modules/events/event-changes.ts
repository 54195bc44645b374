import { randomUUID } from 'node:crypto';
import { type Event, type EventFields, eventRulesSchema } from '@evently/contracts';
import { appendEvent, type Database } from '@evently/db';
import type { Kysely, Transaction } from 'kysely';
import { asMember, authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import type { VersionedCache } from '../../cache/versioned-cache.js';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import type { MemberRoles, RolesByOrganization } from '../../kernel/member-roles.js';
import { actorOf, type Principal, responsiblePerson } from '../../kernel/principal.js';
import type { InventoryService } from '../bookings/inventory.service.js';
import type { EventOwnership } from '../organizations/organizations.service.js';
import { policyColumn } from './cancellation-policy.js';
import { eventScope, LIST_SCOPE } from './event-scopes.js';
import {
  type EventCore,
  toColumns,
  toEventCore,
  toEventFields,
  withAvailability,
} from './events.mappers.js';
import { type EventRow, eventsRepository as repo } from './events.repository.js';
import { generalAdmission } from './general-admission.js';

/**
 * The rules between fields (endsAt after startsAt, ...) on a whole event: VALIDATION_FAILED with
 * the zod issues when broken, under `path` (an update's are its patch's fields).
 */
function withRules(event: EventFields, path: string[]): EventFields {
  const checked = eventRulesSchema.safeParse(event);
  if (checked.success) return checked.data;
  throw new AppError(
    'VALIDATION_FAILED',
    'The event breaks a rule between its fields',
    undefined,
    checked.error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] })),
  );
}

/** Creating, changing, publishing, cancelling, deleting and completing events. */
export interface EventChanges {
  create(
    principal: Principal,
    input: EventFields & { organizationId?: string | undefined },
  ): Promise<Event>;
  update(
    principal: Principal,
    input: { id: string; expectedVersion: number; patch: Partial<EventFields> },
  ): Promise<Event>;
  publish(principal: Principal, id: string): Promise<Event>;
  cancel(principal: Principal, input: { id: string; reason: string }): Promise<Event>;
  delete(principal: Principal, id: string): Promise<{ ok: true }>;
  /** The scheduled job: marks published events whose end has passed completed. */
  completeEnded(): Promise<number>;
}

export interface EventChangesDeps {
  db: Kysely<Database>;
  cache: VersionedCache;
  inventory: InventoryService;
  /** Which organization a new event belongs to. */
  organizations: EventOwnership;
  roles: MemberRoles;
  log: RequestLog;
  now: () => Date;
}

export function createEventChanges(
  deps: EventChangesDeps,
  /** With live availability (the service's reads). */
  present: (cores: EventCore[]) => Promise<Event[]>,
): EventChanges {
  const { db, cache, inventory, organizations, roles, now } = deps;

  /**
   * Every write: make the caches forget the event before the transaction (so an unreachable
   * Redis aborts the write instead of leaving stale entries) and again after commit (so nothing
   * read in between survives). Correctness on reads rests on the cache's generations.
   */
  async function write<T>(
    id: string,
    change: (trx: Transaction<Database>) => Promise<T>,
  ): Promise<T> {
    const scopes = [eventScope(id), LIST_SCOPE];
    try {
      await cache.invalidate(...scopes);
    } catch (error) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The cache is unreachable; nothing was changed', {
        cause: String((error as Error).name),
      });
    }
    const result = await db.transaction().execute(change);
    await cache.invalidate(...scopes).catch((error: unknown) => {
      deps.log.error({ err: error, eventId: id }, 'cache invalidation after commit failed');
    });
    return result;
  }

  /**
   * Loads an event to change it, if the access policy lets the caller edit it. `seen` are the
   * caller's roles, read before the transaction (inside it, a cache miss would wait for a second
   * pooled connection while holding the first).
   */
  async function loadForChange(
    trx: Transaction<Database>,
    principal: Principal,
    seen: RolesByOrganization,
    id: string,
  ): Promise<EventRow> {
    const row = await repo.findForUpdate(trx, id);
    if (!row) throw new AppError('NOT_FOUND', 'Event not found');
    const facts = { organizationId: row.organization_id, status: row.status };
    authorize(principal, 'event.edit', asMember(facts, seen));
    return row;
  }

  async function changeStatus(
    trx: Transaction<Database>,
    principal: Principal,
    before: EventRow,
    action: string,
    patch: Parameters<typeof repo.update>[3],
  ): Promise<EventRow> {
    const after = await repo.update(trx, before.id, before.version, patch);
    if (!after) throw new AppError('VERSION_CONFLICT', 'The event changed meanwhile; retry');
    await appendAudit(trx, {
      entity: 'event',
      entityId: before.id,
      action,
      ...actorOf(principal),
      before: toEventCore(before),
      after: toEventCore(after),
    });
    return after;
  }

  return {
    async create(principal, input) {
      const fields = withRules(input, []);
      if (new Date(fields.endsAt).getTime() <= now().getTime()) {
        throw new AppError('VALIDATION_FAILED', 'The event must end in the future');
      }
      const id = randomUUID();
      const row = await write(id, async (trx) => {
        const created = await repo.insert(trx, {
          id,
          organizer_id: responsiblePerson(principal),
          organization_id: await organizations.forNewEvent(trx, principal, input.organizationId),
          status: 'draft',
          title: fields.title,
          description: fields.description,
          venue: fields.venue,
          starts_at: fields.startsAt,
          ends_at: fields.endsAt,
          capacity: fields.capacity,
          price_cents: fields.priceCents,
          currency: fields.currency,
          max_per_booking: fields.maxPerBooking,
          max_per_user: fields.maxPerUser,
          sales_start_at: fields.salesStartAt,
          sales_end_at: fields.salesEndAt,
          cancellation_policy: policyColumn(fields.cancellationPolicy),
          updated_at: now(),
        });
        await generalAdmission.create(trx, created, now());
        await appendAudit(trx, {
          entity: 'event',
          entityId: id,
          action: 'create',
          ...actorOf(principal),
          after: toEventCore(created),
        });
        await appendEvent(trx, {
          topic: 'event.created',
          aggregateId: id,
          payload: { eventId: id, organizerId: created.organizer_id, title: created.title },
        });
        return created;
      });
      await organizations.settled(principal);
      return withAvailability(toEventCore(row), undefined);
    },

    async update(principal, input) {
      const seen = await roles.of(principal);
      let afterCommit = () => {};
      const row = await write(input.id, async (trx) => {
        const before = await loadForChange(trx, principal, seen, input.id);
        if (before.status !== 'draft' && before.status !== 'published') {
          throw new AppError('INVALID_STATE', `A ${before.status} event cannot be edited`);
        }
        if (before.version !== input.expectedVersion) {
          throw new AppError('VERSION_CONFLICT', 'The event changed since you read it', {
            version: before.version,
          });
        }
        const current = toEventFields(toEventCore(before));
        const merged = withRules({ ...current, ...input.patch }, ['patch']);
        const changed = (Object.keys(input.patch) as (keyof EventFields)[]).filter(
          (k) => JSON.stringify(current[k]) !== JSON.stringify(merged[k]),
        );
        if (before.status === 'published' && merged.capacity !== current.capacity) {
          ({ afterCommit } = await inventory.resize(trx, before.id, merged.capacity));
        }
        const after = await changeStatus(trx, principal, before, 'update', toColumns(merged));
        if (changed.includes('priceCents') || changed.includes('maxPerBooking')) {
          await generalAdmission.follow(trx, before, after, now());
        }
        if (before.status === 'published' && changed.length > 0) {
          await appendEvent(trx, {
            topic: 'event.updated',
            aggregateId: after.id,
            payload: {
              eventId: after.id,
              organizerId: after.organizer_id,
              version: after.version,
              changed,
              title: after.title,
              venue: after.venue,
              startsAt: after.starts_at.toISOString(),
              endsAt: after.ends_at.toISOString(),
            },
          });
        }
        return after;
      });
      afterCommit();
      return (await present([toEventCore(row)]))[0] as Event;
    },

    async publish(principal, id) {
      const seen = await roles.of(principal);
      const row = await write(id, async (trx) => {
        const before = await loadForChange(trx, principal, seen, id);
        if (before.status !== 'draft')
          throw new AppError('INVALID_STATE', `A ${before.status} event cannot be published`);
        if (before.ends_at.getTime() <= now().getTime()) {
          throw new AppError('INVALID_STATE', 'The event has already ended');
        }
        const after = await changeStatus(trx, principal, before, 'publish', {
          status: 'published',
          published_at: now(),
        });
        // Same transaction: the event is never published without seats to sell.
        await inventory.open(trx, id, after.capacity);
        await appendEvent(trx, {
          topic: 'event.published',
          aggregateId: id,
          payload: {
            eventId: id,
            organizerId: after.organizer_id,
            title: after.title,
            capacity: after.capacity,
            priceCents: Number(after.price_cents),
            currency: after.currency,
            startsAt: after.starts_at.toISOString(),
            endsAt: after.ends_at.toISOString(),
          },
        });
        return after;
      });
      return (await present([toEventCore(row)]))[0] as Event;
    },

    async cancel(principal, input) {
      const seen = await roles.of(principal);
      const row = await write(input.id, async (trx) => {
        const before = await loadForChange(trx, principal, seen, input.id);
        if (before.status !== 'published') {
          throw new AppError(
            'INVALID_STATE',
            before.status === 'draft'
              ? 'Delete a draft instead of cancelling it'
              : `A ${before.status} event cannot be cancelled`,
          );
        }
        const after = await changeStatus(trx, principal, before, 'cancel', {
          status: 'cancelled',
          cancelled_at: now(),
          cancel_reason: input.reason,
        });
        // The bookings module cancels every booking and closes the waitlist on this event.
        await appendEvent(trx, {
          topic: 'event.cancelled',
          aggregateId: after.id,
          payload: {
            eventId: after.id,
            organizerId: after.organizer_id,
            title: after.title,
            reason: input.reason,
          },
        });
        return after;
      });
      return withAvailability(toEventCore(row), undefined);
    },

    async delete(principal, id) {
      const seen = await roles.of(principal);
      await write(id, async (trx) => {
        const before = await loadForChange(trx, principal, seen, id);
        if (before.status !== 'draft')
          throw new AppError('INVALID_STATE', 'Only drafts can be deleted; cancel instead');
        await repo.delete(trx, id);
        await appendAudit(trx, {
          entity: 'event',
          entityId: id,
          action: 'delete',
          ...actorOf(principal),
          before: toEventCore(before),
        });
        await appendEvent(trx, {
          topic: 'event.deleted',
          aggregateId: id,
          payload: { eventId: id, organizerId: before.organizer_id },
        });
      });
      return { ok: true };
    },

    async completeEnded() {
      const completed = await db.transaction().execute(async (trx) => {
        const rows = await repo.completeEnded(trx, now(), 500);
        for (const row of rows) {
          await appendAudit(trx, {
            entity: 'event',
            entityId: row.id,
            action: 'complete',
            actorId: null,
            after: toEventCore(row),
          });
          await appendEvent(trx, {
            topic: 'event.completed',
            aggregateId: row.id,
            payload: { eventId: row.id, organizerId: row.organizer_id },
          });
        }
        return rows;
      });
      if (completed.length > 0) {
        await cache
          .invalidate(...completed.map((r) => eventScope(r.id)), LIST_SCOPE)
          .catch((error: unknown) => {
            deps.log.error({ err: error }, 'cache invalidation after completing events failed');
          });
      }
      return completed.length;
    },
  };
}

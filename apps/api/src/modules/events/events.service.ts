import type { Event, listEventsInputSchema, Page } from '@evently/contracts';
import type { Database, ReadReplica } from '@evently/db';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { asMember, authorize, eventReach } from '../../access/access-policy.js';
import { unkept } from '../../cache/versioned-cache.js';
import { AppError } from '../../kernel/app-error.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import type { Principal } from '../../kernel/principal.js';
import { createEventChanges, type EventChanges, type EventChangesDeps } from './event-changes.js';
import { eventScope, LIST_SCOPE } from './event-scopes.js';
import { type EventCore, toEventCore, withAvailability } from './events.mappers.js';
import { type EventVisibility, eventsRepository as repo } from './events.repository.js';

export interface EventsService extends EventChanges {
  list(
    principal: Principal | null,
    input: z.output<typeof listEventsInputSchema>,
  ): Promise<Page<Event>>;
  get(principal: Principal | null, id: string): Promise<Event>;
}

/** What the events service is built from. */
export interface EventsServiceDeps extends EventChangesDeps {
  /** The public lists' reads (a replica when configured; see `list`). */
  reads: ReadReplica;
}

/** Reading events (lists and single events, with live availability); the changes are event-changes.ts. */
export function createEventsService(deps: EventsServiceDeps): EventsService {
  const { db, reads, cache, inventory, roles } = deps;

  /** With live availability; a public list's may come from the replica (`listed`). */
  async function present(cores: EventCore[], listed = false): Promise<Event[]> {
    const ids = cores.filter((c) => c.status === 'published').map((c) => c.id);
    const live = await (listed ? inventory.listedAvailability(ids) : inventory.availability(ids));
    return cores.map((core) => withAvailability(core, live.get(core.id)));
  }

  return {
    async list(principal, input) {
      const visibility: EventVisibility = eventReach(principal, await roles.of(principal));
      const key = JSON.stringify([visibility, input]);
      // Only the public list reads the replica: an organizer's or admin's list is what they
      // manage their events from, and must show their own writes at once.
      const lagTolerant = visibility.kind === 'public';
      const page = await cache.read(LIST_SCOPE, key, async () => {
        const after = input.cursor ?? undefined;
        const query = (from: Kysely<Database>) =>
          repo.list(from, {
            visibility,
            q: input.q,
            from: input.from,
            to: input.to,
            status: input.status,
            organizerId: input.organizerId,
            organizationId: input.organizationId,
            after: after && { startsAt: after.s, id: after.i },
            limit: rowsFor(input.limit),
          });
        // A replica answer older than the primary was after this read's generation was taken
        // is returned but never cached: under that generation it would outlive the lag.
        const { value: rows, current } = lagTolerant
          ? await reads.readCurrent(query)
          : { value: await query(db), current: true };
        const loaded = keysetPage(rows, input.limit, {
          item: toEventCore,
          sortKey: (r) => ({ s: r.starts_at.toISOString(), i: r.id }),
        });
        return current ? loaded : unkept(loaded);
      });
      return { items: await present(page.items, lagTolerant), nextCursor: page.nextCursor };
    },

    async get(principal, id) {
      // Not found is not cached (undefined): reads of random ids leave no state behind.
      const core = await cache.read(eventScope(id), 'event', async () => {
        const row = await repo.find(db, id);
        return row ? toEventCore(row) : undefined;
      });
      if (!core) throw new AppError('NOT_FOUND', 'Event not found');
      // A draft is seen by its organization's members: only then are the caller's roles needed.
      const seen = core.status === 'draft' ? await roles.of(principal) : {};
      authorize(principal, 'event.view', asMember(core, seen));
      const [event] = await present([core]);
      if (!event) throw new AppError('NOT_FOUND', 'Event not found');
      return event;
    },

    ...createEventChanges(deps, present),
  };
}

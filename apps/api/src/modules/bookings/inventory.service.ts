import type { Database, ReadReplica } from '@evently/db';
import type { QueuePort } from '@evently/platform';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../kernel/app-error.js';
import type { RequestLog } from '../../kernel/log.js';
import { scheduleHoldExpiry } from './hold-expiry.js';
import { inventoryRepository as repo } from './inventory.repository.js';
import { promoteWaitlist } from './waitlist-offers.js';

export interface Availability {
  available: number;
  soldOut: boolean;
}

/**
 * What the bookings module offers other modules about capacity. The events module calls it
 * synchronously inside its own transaction: an event is published together with its inventory
 * row, so there is no moment when a published event cannot be booked.
 */
export interface InventoryService {
  open(trx: Transaction<Database>, eventId: string, capacity: number): Promise<void>;
  /**
   * Throws CAPACITY_BELOW_BOOKED when confirmed + held seats exceed the new capacity. Extra
   * seats go to the waitlist first; `afterCommit` schedules the expiry of the offers made.
   */
  resize(
    trx: Transaction<Database>,
    eventId: string,
    capacity: number,
  ): Promise<{ afterCommit(): void }>;
  /**
   * After a change that may free seats without a release — a quota raised or given other types,
   * a type's window or status changed, a voucher's contingent shrunk or ended — the waiting
   * lines are served in the same transaction (its inventory row is already locked); `afterCommit`
   * schedules the expiry of the offers made.
   */
  serveWaitlist(trx: Transaction<Database>, eventId: string): Promise<{ afterCommit(): void }>;
  /**
   * Live availability of the events that have an inventory row (read through `from` when given:
   * a caller's transaction).
   */
  availability(
    eventIds: readonly string[],
    from?: Kysely<Database> | Transaction<Database>,
  ): Promise<Map<string, Availability>>;
  /**
   * Availability to show in a public list: from the read replica when there is one, so it may
   * lag — never decide with it (a booking reads the primary's row under its own checks). An
   * event the replica has no row for yet (published a moment ago) is read from the primary.
   */
  listedAvailability(eventIds: readonly string[]): Promise<Map<string, Availability>>;
}

type InventoryRows = Awaited<ReturnType<typeof repo.findMany>>;

function availabilityOf(rows: InventoryRows): Map<string, Availability> {
  return new Map(
    rows.map((r) => {
      const available = r.capacity - r.confirmed - r.held;
      // While every public type on sale has a waitlist line, free seats are the queues': sold
      // out to everyone else. A line of one type leaves the others on sale (a list's view: the
      // quotas a line keeps are bookings.availability's, per type).
      const queued = Number(r.waiting ?? 0) > 0 && Number(r.unqueued ?? 0) === 0;
      return [r.event_id, { available: queued ? 0 : available, soldOut: available <= 0 || queued }];
    }),
  );
}

export function createInventoryService(deps: {
  db: Kysely<Database>;
  queue: QueuePort;
  offerMinutes: number;
  log: RequestLog;
  now: () => Date;
  /** Where list reads go (the primary when absent). */
  reads?: ReadReplica;
}): InventoryService {
  async function serveWaitlist(trx: Transaction<Database>, eventId: string) {
    const offers = await promoteWaitlist(trx, eventId, {
      offerMinutes: deps.offerMinutes,
      now: deps.now,
    });
    return { afterCommit: () => scheduleHoldExpiry(deps.queue, offers, deps.now(), deps.log) };
  }
  return {
    open: (trx, eventId, capacity) => repo.create(trx, eventId, capacity),
    async resize(trx, eventId, capacity) {
      if (!(await repo.setCapacity(trx, eventId, capacity))) {
        const row = await repo.find(trx, eventId);
        throw new AppError(
          'CAPACITY_BELOW_BOOKED',
          'Capacity cannot go below the seats already booked or held',
          {
            booked: row ? row.confirmed + row.held : null,
          },
        );
      }
      return serveWaitlist(trx, eventId);
    },
    serveWaitlist,
    availability: async (eventIds, from = deps.db) =>
      availabilityOf(await repo.findMany(from, eventIds, deps.now())),
    async listedAvailability(eventIds) {
      if (!deps.reads) return availabilityOf(await repo.findMany(deps.db, eventIds, deps.now()));
      const rows = await deps.reads.read((db) => repo.findMany(db, eventIds, deps.now()));
      const found = new Set(rows.map((r) => r.event_id));
      const missing = eventIds.filter((id) => !found.has(id));
      const late = missing.length > 0 ? await repo.findMany(deps.db, missing, deps.now()) : [];
      return availabilityOf([...rows, ...late]);
    },
  };
}

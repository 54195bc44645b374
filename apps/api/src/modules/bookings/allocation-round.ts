import type { DomainEventInput, DomainTopic } from '@evently/contracts';
import { type Database, toOutboxRows } from '@evently/db';
import type { Kysely } from 'kysely';
import { type AuditEntryInput, toAuditRows } from '../../audit/audit.repository.js';
import { allocatorRepository, type BatchWrite } from './allocator.repository.js';
import { bookingRef, toBooking } from './bookings.mappers.js';
import type { BookingRow } from './bookings.repository.js';
import type { KeyRef } from './idempotency.repository.js';
import {
  CREATE_SCOPE,
  type Decision,
  decideBatch,
  type OrderRequest,
  orderKeyRefsOf,
  voucherCodesOf,
} from './order-decision.js';
import { createSeatSnapshots } from './seat-snapshots.js';

/**
 * What a round gives one event's batch: its decisions (answered or written), or nothing written
 * and the batch to be decided again — `lost-race` when its inventory or event moved since the
 * read (or another transaction was writing the row), `keys-forgotten` when expired idempotency
 * keys were deleted first.
 */
export type RoundResult = Decision[] | 'lost-race' | 'keys-forgotten';

/**
 * One allocation round over the batches of one or more events: one query reads every event's
 * state, decideBatch decides each batch over its own snapshot (a pure function), and one
 * statement writes all the batches that booked anything, each conditioned on its own versions.
 * Two round trips however many events ride in it — a booking of a quiet event shares them with
 * the bookings of every other event that arrived meanwhile. A seated event's seats come from
 * this allocator's seat snapshots (seat-snapshots.ts): the read brings only what changed.
 */
export function createAllocationRound(deps: {
  db: Kysely<Database>;
  holdMinutes: number;
  now: () => Date;
}) {
  const seatSnapshots = createSeatSnapshots(deps.db);
  return async function run(
    batches: ReadonlyMap<string, readonly OrderRequest[]>,
  ): Promise<Map<string, RoundResult>> {
    const now = deps.now();
    const requests = [...batches.values()].flat();
    const states = await allocatorRepository.readBatchStates(
      deps.db,
      [...batches.keys()],
      CREATE_SCOPE,
      [...new Set(requests.map((r) => r.principal.userId))],
      orderKeyRefsOf(requests),
      now,
      voucherCodesOf(requests),
      seatSnapshots.known(batches.keys()),
    );
    const results = new Map<string, RoundResult>();
    const writes: { write: BatchWrite; decisions: Decision[] }[] = [];
    const expiredKeys: KeyRef[] = [];
    for (const [eventId, batch] of batches) {
      const read = states.get(eventId);
      const state = read && {
        ...read,
        seating: await seatSnapshots.snapshot(
          eventId,
          read.seatingRead,
          read.inventory?.version ?? 0,
        ),
      };
      const decided = decideBatch(eventId, state, batch, {
        now,
        holdMinutes: deps.holdMinutes,
      });
      if (decided.kind === 'answer') results.set(eventId, decided.decisions);
      else if (decided.kind === 'forget-keys') {
        expiredKeys.push(...decided.keys);
        results.set(eventId, 'keys-forgotten');
      } else {
        writes.push({
          decisions: decided.decisions,
          write: {
            eventId,
            inventoryVersion: decided.inventoryVersion,
            eventVersion: decided.eventVersion,
            seats: decided.seats,
            bookings: decided.bookings,
            items: decided.items,
            quotas: decided.quotas,
            vouchers: decided.vouchers,
            redemptions: decided.redemptions,
            keys: decided.keys,
            seatAllocations: decided.seatAllocations,
            ...sideEffectsOf(decided.bookings, now),
          },
        });
      }
    }
    // A key older than its 24 h may be used again: its old record goes first.
    await allocatorRepository.deleteExpiredKeys(deps.db, CREATE_SCOPE, expiredKeys, now);
    let written: Set<string> | 'conflict' = 'conflict';
    try {
      written = await allocatorRepository.writeBatches(
        deps.db,
        writes.map((w) => w.write),
        now,
      );
    } finally {
      // Seats a batch took that were not written go back to its event's index (a failed
      // statement may still have committed: the next read then brings them as taken). A
      // statement refused whole may have been refused a seat the index had free: those events'
      // seats are read afresh rather than trusted.
      for (const { write } of writes) {
        if (written !== 'conflict' && written.has(write.eventId)) {
          seatSnapshots.written(write.eventId, write.inventoryVersion + 1);
        } else if (written === 'conflict' && write.seatAllocations.length > 0) {
          seatSnapshots.forget(write.eventId);
        } else {
          seatSnapshots.abandoned(
            write.eventId,
            write.seatAllocations.map((a) => a.seat_id),
          );
        }
      }
    }
    for (const { write, decisions } of writes) {
      results.set(
        write.eventId,
        written !== 'conflict' && written.has(write.eventId) ? decisions : 'lost-race',
      );
    }
    return results;
  };
}

/** The outbox events and audit rows a batch's new bookings write with them. */
function sideEffectsOf(bookings: readonly BookingRow[], now: Date) {
  const events: DomainEventInput<DomainTopic>[] = [];
  const audits: AuditEntryInput[] = [];
  for (const row of bookings) {
    events.push({
      topic: 'booking.created',
      aggregateId: row.id,
      payload: {
        ...bookingRef(row),
        status: row.status,
        expiresAt: row.expires_at?.toISOString() ?? null,
        waitlistEntryId: null,
      },
    });
    if (row.status === 'confirmed')
      events.push({ topic: 'booking.confirmed', aggregateId: row.id, payload: bookingRef(row) });
    audits.push({
      entity: 'booking',
      entityId: row.id,
      action: 'create',
      actorId: row.user_id,
      after: toBooking(row),
    });
  }
  return { outbox: toOutboxRows(events, now), audits: toAuditRows(audits) };
}

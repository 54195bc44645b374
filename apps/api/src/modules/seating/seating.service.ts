import type { BlockedSeats, blockSeatsInputSchema, SeatingMap } from '@evently/contracts';
import type { z } from 'zod';
import { asMember, authorize } from '../../access/access-policy.js';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import { actorOf, type Principal } from '../../kernel/principal.js';
import type { SeatFeed } from './seat-feed.js';
import { toSeatingMap } from './seating.mappers.js';
import { seatingRepository as repo } from './seating.repository.js';
import { changeSeating, type SeatingDeps } from './seating-change.js';
import { createSeatingLive, type SeatingLive } from './seating-live.js';
import { createSeatingPlanService, type SeatingPlanService } from './seating-plan.service.js';

type BlockInput = z.output<typeof blockSeatsInputSchema>;

/**
 * `seating.*`: an event's seating plan, its map with every seat's state, and seats kept off sale.
 * (Part of the tRPC context's type, so of the SDK's declarations: no database types here.)
 */
export interface SeatingService extends SeatingPlanService, SeatingLive {
  map(principal: Principal | null, eventId: string): Promise<SeatingMap>;
  block(principal: Principal, input: BlockInput): Promise<BlockedSeats>;
  unblock(principal: Principal, input: BlockInput): Promise<BlockedSeats>;
}

export function createSeatingService(deps: SeatingDeps & { feed: SeatFeed }): SeatingService {
  const { db, roles, now } = deps;

  /**
   * Blocks or unblocks seats of the event's plan: all of them are the event's (else
   * VALIDATION_FAILED naming the others); only seats that change are counted.
   */
  async function setBlocked(
    principal: Principal,
    input: BlockInput,
    blocked: boolean,
  ): Promise<BlockedSeats> {
    return changeSeating(deps, principal, input.eventId, async (trx, event) => {
      // Plan changes and blocks of one event run one at a time.
      await repo.lockPlan(trx, event.id, false);
      const named = await repo.namedSeats(trx, event.id, input.seatIds);
      if (named.length < input.seatIds.length) {
        const found = new Set(named.map((seat) => seat.id));
        throw new AppError('VALIDATION_FAILED', 'These seats are not in the plan of the event', {
          seatIds: input.seatIds.filter((id) => !found.has(id)),
        });
      }
      if (blocked) {
        // A seat held or sold stays its booking's: nothing is blocked, and the caller learns which.
        const taken = named.filter((seat) => seat.live).map((seat) => seat.id);
        if (taken.length > 0) {
          throw new AppError('SEAT_UNAVAILABLE', 'Seats held or sold cannot be blocked', {
            seatIds: taken,
          });
        }
      }
      const at = now();
      const changed = blocked
        ? await repo.block(trx, event.id, input.seatIds, input.reason ?? null, at)
        : await repo.unblock(trx, event.id, input.seatIds, at);
      if (changed.length > 0) {
        await repo.seatsChanged(trx, event.id, at);
        await appendAudit(trx, {
          entity: 'seating_plan',
          entityId: event.id,
          action: blocked ? 'block' : 'unblock',
          ...actorOf(principal),
          after: { seatIds: changed, ...(blocked && { reason: input.reason ?? null }) },
        });
      }
      return { blocked: changed.length };
    });
  }

  return {
    ...createSeatingPlanService(deps),
    ...createSeatingLive(deps),

    async map(principal, eventId) {
      const event = await repo.event(db, eventId);
      if (!event) throw new AppError('NOT_FOUND', 'Event not found');
      // A draft's map is seen by whom its draft is (members who see drafts, admins): NOT_FOUND
      // to anyone else, as events.get.
      authorize(principal, 'event.view', asMember(event, await roles.of(principal)));
      // The plan and its seats as of one snapshot: the version names the seats answered.
      return db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) =>
          toSeatingMap(await repo.plan(trx, eventId), await repo.mapSeats(trx, eventId)),
        );
    },

    block: (principal, input) => setBlocked(principal, input, true),
    unblock: (principal, input) => setBlocked(principal, input, false),
  };
}

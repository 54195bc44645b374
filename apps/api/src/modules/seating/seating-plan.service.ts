import type { SeatingPlan, SeatingPlanFields, setSeatingPlanInputSchema } from '@evently/contracts';
import type { z } from 'zod';
import { appendAudit } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import { actorOf, type Principal } from '../../kernel/principal.js';
import { editPlan } from './plan-edit.js';
import { focusOf, placedSeats, sectionsJson, toSeatingPlan } from './seating.mappers.js';
import { seatingRepository as repo } from './seating.repository.js';
import { changeSeating, type SeatingDeps } from './seating-change.js';

/** At most this many offending seats named in a refusal (the count says how many in all). */
const NAMED = 100;

/** `seating.setPlan`: an event's seating plan, replaced whole. */
export interface SeatingPlanService {
  setPlan(
    principal: Principal,
    input: z.output<typeof setSeatingPlanInputSchema>,
  ): Promise<SeatingPlan>;
}

/** VALIDATION_FAILED naming the seats whose type is not one of the event's (the first few). */
function foreignTypes(plan: SeatingPlanFields, foreign: ReadonlySet<string>): AppError {
  const issues = [];
  for (const [s, section] of plan.sections.entries()) {
    for (const [r, row] of section.rows.entries()) {
      for (const [k, seat] of row.seats.entries()) {
        if (!foreign.has(seat.ticketTypeId) || issues.length >= NAMED) continue;
        issues.push({
          code: 'custom' as const,
          path: ['plan', 'sections', s, 'rows', r, 'seats', k, 'ticketTypeId'],
          message: 'must be a ticket type of the event',
          input: seat.ticketTypeId,
        });
      }
    }
  }
  return new AppError(
    'VALIDATION_FAILED',
    "Every seat's ticket type must be a ticket type of the event",
    { ticketTypeIds: [...foreign] },
    issues,
  );
}

export function createSeatingPlanService(deps: SeatingDeps): SeatingPlanService {
  const { now } = deps;
  return {
    async setPlan(principal, input) {
      const { plan } = input;
      const placed = placedSeats(plan);
      const focus = focusOf(plan);
      const typeIds = [...new Set(placed.map((seat) => seat.ticketTypeId))];
      return changeSeating(deps, principal, input.eventId, async (trx, event) => {
        const stored = await repo.lockPlan(trx, event.id, true);
        const before = stored?.version ?? 0;
        if (input.expectedVersion !== undefined && input.expectedVersion !== before) {
          throw new AppError('VERSION_CONFLICT', 'The seating plan changed since you read it', {
            version: before,
          });
        }
        const known = await repo.typesOfEvent(trx, event.id, typeIds);
        const foreign = new Set(typeIds.filter((id) => !known.has(id)));
        if (foreign.size > 0) throw foreignTypes(plan, foreign);

        // Read after the inventory lock: no allocation of the event's seats commits meanwhile.
        const current = await repo.currentSeats(trx, event.id);
        const edit = editPlan(current, placed);
        if (edit.refused.length > 0) {
          throw new AppError(
            'INVALID_STATE',
            'Seats held or sold must stay in the plan, of the same ticket type',
            { seats: edit.refused.slice(0, NAMED), refused: edit.refused.length },
          );
        }
        const at = now();
        const version = before + 1;
        await repo.removeSeats(trx, event.id, edit.removedIds, at);
        await repo.placeSeats(trx, event.id, placed, at);
        await repo.savePlan(trx, event.id, { version, focus, sections: sectionsJson(plan) }, at);
        await appendAudit(trx, {
          entity: 'seating_plan',
          entityId: event.id,
          action: before === 0 ? 'create' : 'replace',
          ...actorOf(principal),
          before: before === 0 ? null : { version: before, seats: current.length },
          after: {
            version,
            seats: placed.length,
            added: edit.added,
            kept: edit.kept,
            removed: edit.removedIds.length,
          },
        });
        return toSeatingPlan(event.id, version, focus, plan);
      });
    },
  };
}

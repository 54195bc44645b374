import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { VoucherCheckLimits } from './voucher-check-limits.js';
import { toEffect } from './vouchers.mappers.js';
import { vouchersRepository as repo, type VoucherRow } from './vouchers.repository.js';
import type { VouchersService } from './vouchers.service.js';

/** `from` has come (or there is none). */
const begun = (from: Date | null, now: Date) => from === null || from.getTime() <= now.getTime();
/** `until` has not come yet (or there is none). */
const notOver = (until: Date | null, now: Date) =>
  until === null || now.getTime() < until.getTime();

/** Redeemable now: enabled, within [validFrom, validUntil), a use left (as the allocator decides). */
const usable = (row: VoucherRow, now: Date) =>
  row.disabled_at === null &&
  begun(row.valid_from, now) &&
  notOver(row.valid_until, now) &&
  row.used < row.max_uses;

/**
 * `vouchers.check`: what a code is worth now, to anyone. An unknown code, a code of an event that
 * is not on the public's side (a draft: not disclosed; cancelled, completed) and a known code
 * that cannot be used answer alike — `{ valid: false }` — after the same work (the budget
 * counted, one query by (event, code)), so neither the answer nor its timing tells them apart.
 */
export function createVoucherCheck(deps: {
  db: Kysely<Database>;
  limits: VoucherCheckLimits;
  now: Clock;
}): VouchersService['check'] {
  return async (input, ip) => {
    await deps.limits.hit(ip, input.eventId);
    const row = await repo.findPublished(deps.db, input.eventId, input.code);
    if (!row || !usable(row, deps.now())) return { valid: false };
    // A buyer with a real code does not use the event's budget up (the point is a courtesy: a
    // refund that fails costs the event a point, never the buyer their answer).
    await deps.limits.found(input.eventId).catch(() => undefined);
    return {
      valid: true,
      effect: toEffect(row.effect_kind, row.effect_value),
      ticketTypeIds: row.ticket_type_ids,
      unlocksHidden: row.unlocks_hidden,
    };
  };
}

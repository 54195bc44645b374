import type {
  checkVoucherInputSchema,
  createVouchersInputSchema,
  listVouchersInputSchema,
  Page,
  updateVoucherInputSchema,
  Voucher,
  VoucherCheck,
  VoucherFields,
} from '@evently/contracts';
import { voucherRulesSchema } from '@evently/contracts';
import type { Database } from '@evently/db';
import type { Selectable, Transaction } from 'kysely';
import type { z } from 'zod';
import { asMember, authorize } from '../../access/access-policy.js';
import { type AuditEntryInput, appendAudits } from '../../audit/audit.repository.js';
import { AppError } from '../../kernel/app-error.js';
import { keysetPage, rowsFor } from '../../kernel/page.js';
import { actorOf, type Principal } from '../../kernel/principal.js';
import {
  changeVouchers,
  checkContingent,
  checkTicketTypes,
  fieldError,
  rulesError,
  type VoucherDeps,
} from './voucher-change.js';
import type { VoucherCheckLimits } from './voucher-check-limits.js';
import { generateCodes } from './voucher-codes.js';
import { auditedVoucher, toFields, toVoucher, toWrite } from './vouchers.mappers.js';
import { vouchersRepository as repo, type VoucherRow } from './vouchers.repository.js';

/** `vouchers.*` (API.md Part 2, "vouchers"). Part of the tRPC context's type: no database types. */
export interface VouchersService {
  create(
    principal: Principal,
    input: z.output<typeof createVouchersInputSchema>,
  ): Promise<Voucher[]>;
  list(
    principal: Principal,
    input: z.output<typeof listVouchersInputSchema>,
  ): Promise<Page<Voucher>>;
  update(principal: Principal, input: z.output<typeof updateVoucherInputSchema>): Promise<Voucher>;
  disable(principal: Principal, id: string): Promise<Voucher>;
  /** Public; `ip` is the caller's address (rate limited per network and per event). */
  check(input: z.output<typeof checkVoucherInputSchema>, ip: string): Promise<VoucherCheck>;
  /**
   * Runs `attempt`, a use of a code someone typed (an order with a code, a types list with one),
   * as a guess on vouchers.check's budget — otherwise it would be an unlimited oracle for codes:
   * refused RATE_LIMITED while the network's budget is spent (consuming nothing), and a point of
   * it spent when the code was wrong: the attempt failed VOUCHER_INVALID or
   * TICKET_TYPE_NOT_AVAILABLE (an unknown code on a hidden type), or `missed` says its answer
   * shows it.
   */
  asGuess<T>(
    ip: string,
    eventId: string,
    attempt: () => Promise<T>,
    missed?: (answer: T) => boolean,
  ): Promise<T>;
}

/** Generated codes that collide with the event's (59 random bits each: never, in practice). */
const CODE_ATTEMPTS = 5;

const voucherNotFound = () => new AppError('NOT_FOUND', 'Voucher not found');

/** Distinct, in a stable order (the order the database answers them in). */
const typeSet = (ids: readonly string[] | undefined) => [...new Set(ids ?? [])].sort();

/** A patch's value where it has one (`null` clears), the stored one elsewhere. */
const patched = <T>(value: T | undefined, stored: T): T => (value === undefined ? stored : value);

function merge(stored: VoucherFields, patch: Partial<VoucherFields>): VoucherFields {
  return {
    maxUses: patched(patch.maxUses, stored.maxUses),
    validFrom: patched(patch.validFrom, stored.validFrom),
    validUntil: patched(patch.validUntil, stored.validUntil),
    ticketTypeIds: patch.ticketTypeIds ? typeSet(patch.ticketTypeIds) : stored.ticketTypeIds,
    effect: patched(patch.effect, stored.effect),
    unlocksHidden: patched(patch.unlocksHidden, stored.unlocksHidden),
    reserved: patched(patch.reserved, stored.reserved),
  };
}

const withTypes = (row: Selectable<Database['vouchers']>, ticketTypeIds: string[]): VoucherRow => ({
  ...row,
  ticket_type_ids: ticketTypeIds,
});

export function createVouchersService(
  deps: VoucherDeps & {
    check: VouchersService['check'];
    guesses: Pick<VoucherCheckLimits, 'guard' | 'missed'>;
  },
): VouchersService {
  const { db, roles } = deps;

  /** A voucher's event, for a change of it (its row is locked again inside the change). */
  async function eventOf(id: string): Promise<string> {
    const found = await repo.find(db, id);
    if (!found) throw voucherNotFound();
    return found.event_id;
  }

  /** Inserts a voucher per code; generated codes taken meanwhile are replaced (CODE_ATTEMPTS). */
  async function insertCodes(
    trx: Transaction<Database>,
    eventId: string,
    input: z.output<typeof createVouchersInputSchema>,
    fields: VoucherFields,
    at: Date,
  ): Promise<Selectable<Database['vouchers']>[]> {
    const write = toWrite(fields);
    if (input.code !== undefined) {
      const rows = await repo.insert(trx, eventId, [input.code], write, at);
      if (rows.length === 0) throw fieldError(['code'], 'this event has a voucher with this code');
      return rows;
    }
    const rows: Selectable<Database['vouchers']>[] = [];
    for (let attempt = 0; rows.length < input.count; attempt += 1) {
      if (attempt === CODE_ATTEMPTS) throw new Error('could not generate unused voucher codes');
      const taken = new Set(rows.map((r) => r.code));
      const codes = generateCodes(input.count - rows.length, taken);
      rows.push(...(await repo.insert(trx, eventId, codes, write, at)));
    }
    return rows;
  }

  const audits = (
    principal: Principal,
    action: 'created' | 'updated' | 'disabled',
    changes: { before: VoucherRow | null; after: VoucherRow }[],
  ): AuditEntryInput[] =>
    changes.map(({ before, after }) => ({
      entity: 'voucher',
      entityId: after.id,
      action,
      ...actorOf(principal),
      before: before && auditedVoucher(before),
      after: auditedVoucher(after),
    }));

  return {
    async create(principal, input) {
      const fields: VoucherFields = {
        maxUses: input.maxUses,
        validFrom: input.validFrom ?? null,
        validUntil: input.validUntil ?? null,
        ticketTypeIds: typeSet(input.ticketTypeIds),
        effect: input.effect,
        unlocksHidden: input.unlocksHidden,
        reserved: input.reserved,
      };
      return changeVouchers(deps, principal, input.eventId, async (trx, event, at) => {
        // The ids as given: an issue's index points into the caller's list, not the sorted set.
        await checkTicketTypes(trx, event.id, input.ticketTypeIds ?? [], ['ticketTypeIds']);
        await checkContingent(trx, event, fields.reserved * input.count, undefined, at, [
          'reserved',
        ]);
        const inserted = await insertCodes(trx, event.id, input, fields, at);
        await repo.setTicketTypes(
          trx,
          inserted.map((r) => r.id),
          fields.ticketTypeIds,
        );
        const created = inserted.map((row) => withTypes(row, fields.ticketTypeIds));
        await appendAudits(
          trx,
          audits(
            principal,
            'created',
            created.map((after) => ({ before: null, after })),
          ),
        );
        return created.map(toVoucher);
      });
    },

    async list(principal, input) {
      const seen = await roles.of(principal);
      const event = await repo.event(db, input.eventId);
      if (!event) throw new AppError('NOT_FOUND', 'Event not found');
      authorize(
        principal,
        'event.readVouchers',
        asMember({ organizationId: event.organization_id, status: event.status }, seen),
      );
      const after = input.cursor ?? undefined;
      const rows = await repo.list(db, {
        eventId: event.id,
        q: input.q?.toLowerCase(),
        after: after && { createdAt: after.c, id: after.i },
        limit: rowsFor(input.limit),
      });
      return keysetPage(rows, input.limit, {
        item: toVoucher,
        sortKey: (row) => ({ c: row.created_at.toISOString(), i: row.id }),
      });
    },

    async update(principal, input) {
      const { patch } = input;
      return changeVouchers(deps, principal, await eventOf(input.id), async (trx, event, at) => {
        const row = await repo.lock(trx, input.id);
        if (!row) throw voucherNotFound();
        if (row.disabled_at) throw new AppError('INVALID_STATE', 'This voucher is disabled');
        const checked = voucherRulesSchema.safeParse(merge(toFields(row), patch));
        if (!checked.success) throw rulesError(checked.error, ['patch']);
        const merged = { ...checked.data, ticketTypeIds: typeSet(checked.data.ticketTypeIds) };
        // Decision: CAPACITY_BELOW_BOOKED, as for an event's capacity and a quota's size: the
        // number is fine on its own, the uses already made are what it conflicts with.
        if (merged.maxUses < row.used) {
          throw new AppError(
            'CAPACITY_BELOW_BOOKED',
            'maxUses cannot go below the uses already made',
            { used: row.used },
          );
        }
        if (patch.ticketTypeIds) {
          await checkTicketTypes(trx, event.id, patch.ticketTypeIds, ['patch', 'ticketTypeIds']);
        }
        if (patch.reserved !== undefined || patch.validUntil !== undefined) {
          await checkContingent(trx, event, merged.reserved, row.id, at, ['patch', 'reserved']);
        }
        const updated = withTypes(
          await repo.update(trx, row.id, toWrite(merged), at),
          merged.ticketTypeIds,
        );
        if (patch.ticketTypeIds) await repo.setTicketTypes(trx, [row.id], merged.ticketTypeIds);
        await appendAudits(trx, audits(principal, 'updated', [{ before: row, after: updated }]));
        return toVoucher(updated);
      });
    },

    async disable(principal, id) {
      return changeVouchers(deps, principal, await eventOf(id), async (trx, _event, at) => {
        const row = await repo.lock(trx, id);
        if (!row) throw voucherNotFound();
        // Disabled already: the same answer, nothing changes again.
        if (row.disabled_at) return toVoucher(row);
        const disabled = withTypes(await repo.disable(trx, id, at), row.ticket_type_ids);
        await appendAudits(trx, audits(principal, 'disabled', [{ before: row, after: disabled }]));
        return toVoucher(disabled);
      });
    },

    check: deps.check,
    async asGuess(ip, eventId, attempt, missed) {
      await deps.guesses.guard(ip);
      let answer: Awaited<ReturnType<typeof attempt>>;
      try {
        answer = await attempt();
      } catch (error) {
        if (
          error instanceof AppError &&
          (error.appCode === 'VOUCHER_INVALID' || error.appCode === 'TICKET_TYPE_NOT_AVAILABLE')
        ) {
          await deps.guesses.missed(ip, eventId);
        }
        throw error;
      }
      if (missed?.(answer)) await deps.guesses.missed(ip, eventId);
      return answer;
    },
  };
}

import {
  type Voucher,
  type VoucherEffect,
  type VoucherFields,
  voucherEffectOf,
} from '@evently/contracts';
import type { VoucherRow, VoucherWrite } from './vouchers.repository.js';

/** The effect as stored: a kind and one number (0 for an access code). */
export function storedEffect(
  effect: VoucherEffect,
): Pick<VoucherWrite, 'effect_kind' | 'effect_value'> {
  switch (effect.kind) {
    case 'percent':
      return { effect_kind: 'percent', effect_value: effect.percent };
    case 'amount':
      return { effect_kind: 'amount', effect_value: effect.amountCents };
    case 'price':
      return { effect_kind: 'price', effect_value: effect.priceCents };
    default:
      return { effect_kind: 'none', effect_value: 0 };
  }
}

/** A stored effect (its kind and value; int8 arrives as a string). */
export const toEffect = (kind: VoucherRow['effect_kind'], stored: string | number): VoucherEffect =>
  voucherEffectOf(kind, Number(stored));

/** The columns a voucher's fields are written to. */
export function toWrite(fields: VoucherFields): VoucherWrite {
  return {
    max_uses: fields.maxUses,
    valid_from: fields.validFrom === null ? null : new Date(fields.validFrom),
    valid_until: fields.validUntil === null ? null : new Date(fields.validUntil),
    ...storedEffect(fields.effect),
    unlocks_hidden: fields.unlocksHidden,
    reserved: fields.reserved,
  };
}

/** A stored voucher's fields, as a manager sets them (what a patch is merged into). */
export function toFields(row: VoucherRow): VoucherFields {
  return {
    maxUses: row.max_uses,
    validFrom: row.valid_from?.toISOString() ?? null,
    validUntil: row.valid_until?.toISOString() ?? null,
    ticketTypeIds: row.ticket_type_ids,
    effect: toEffect(row.effect_kind, row.effect_value),
    unlocksHidden: row.unlocks_hidden,
    reserved: row.reserved,
  };
}

export function toVoucher(row: VoucherRow): Voucher {
  return {
    id: row.id,
    eventId: row.event_id,
    code: row.code,
    ...toFields(row),
    used: row.used,
    disabled: row.disabled_at !== null,
    version: row.version,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * What an audit row keeps of a voucher: its code and settings, never anything about who used
 * it. (The code is the one secret here, and the audit trail is read by the event's managers, who
 * see it in the list anyway.)
 */
export function auditedVoucher(row: VoucherRow): Record<string, unknown> {
  return { code: row.code, ...toFields(row), disabled: row.disabled_at !== null };
}

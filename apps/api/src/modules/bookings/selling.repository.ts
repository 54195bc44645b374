import { voucherEffectOf } from '@evently/contracts';
import { type Expression, type RawBuilder, sql } from 'kysely';
import type { QuotaState, TicketTypeState, VoucherEffect, VoucherState } from './order-snapshot.js';

/** What an event sells, as the allocator's read sends it (one JSON value per event). */
interface SellingJson {
  types: Array<{
    id: string;
    name: string;
    price: number;
    min: number;
    max: number;
    from: string | null;
    until: string | null;
    hidden: boolean;
    status: 'active' | 'archived';
    quotas: string[];
  }>;
  quotas: QuotaState[];
  vouchers: Array<{
    id: string;
    code: string;
    maxUses: number;
    used: number;
    from: string | null;
    until: string | null;
    kind: VoucherEffect['kind'];
    value: number;
    types: string[];
    unlocksHidden: boolean;
    reserved: number;
    seats: number;
    disabled: boolean;
    version: number;
  }>;
}

export interface Selling {
  ticketTypes: TicketTypeState[];
  quotas: Map<string, QuotaState>;
  vouchers: Map<string, VoucherState>;
}

/**
 * An event's ticket types (with the quotas each is in), its quotas, and the vouchers a batch
 * needs — those it names, and every live one holding seats back (its contingent matters to all) —
 * as one column of the allocator's read: no round trip of its own. `eventId` is a column of it.
 */
export function sellingColumn(
  eventId: Expression<string>,
  voucherCodes: readonly string[],
  now: Date,
): RawBuilder<SellingJson> {
  return sql<SellingJson>`json_build_object(
    'types', coalesce((SELECT json_agg(json_build_object('id', t.id, 'name', t.name,
        'price', t.price_cents, 'min', t.min_per_booking, 'max', t.max_per_booking,
        'from', t.sales_start_at, 'until', t.sales_end_at, 'hidden', t.hidden, 'status', t.status,
        'quotas', coalesce((SELECT json_agg(qt.quota_id) FROM quota_ticket_types qt
          WHERE qt.ticket_type_id = t.id), '[]'))
        ORDER BY t.position, t.created_at, t.id)
      FROM ticket_types t WHERE t.event_id = ${eventId}), '[]'),
    'quotas', coalesce((SELECT json_agg(json_build_object('id', q.id, 'size', q.size,
        'confirmed', q.confirmed, 'held', q.held, 'version', q.version))
      FROM quotas q WHERE q.event_id = ${eventId}), '[]'),
    'vouchers', coalesce((SELECT json_agg(json_build_object('id', v.id, 'code', v.code,
        'maxUses', v.max_uses, 'used', v.used, 'from', v.valid_from, 'until', v.valid_until,
        'kind', v.effect_kind, 'value', v.effect_value,
        'types', coalesce((SELECT json_agg(vt.ticket_type_id) FROM voucher_ticket_types vt
          WHERE vt.voucher_id = v.id), '[]'),
        'unlocksHidden', v.unlocks_hidden, 'reserved', v.reserved, 'seats', v.seats,
        'disabled', v.disabled_at IS NOT NULL, 'version', v.version))
      FROM vouchers v WHERE v.event_id = ${eventId}
        AND (v.code = ANY(${[...voucherCodes]}::text[])
          OR (v.reserved > v.seats AND v.disabled_at IS NULL
            AND (v.valid_until IS NULL OR v.valid_until > ${now})))), '[]'))`;
}

const dateOf = (iso: string | null) => (iso === null ? null : new Date(iso));

export function toSelling(json: SellingJson): Selling {
  return {
    ticketTypes: json.types.map((t) => ({
      id: t.id,
      name: t.name,
      priceCents: Number(t.price),
      minPerBooking: t.min,
      maxPerBooking: t.max,
      salesStartAt: dateOf(t.from),
      salesEndAt: dateOf(t.until),
      hidden: t.hidden,
      status: t.status,
      quotaIds: t.quotas,
    })),
    quotas: new Map(json.quotas.map((q) => [q.id, q])),
    vouchers: new Map(
      json.vouchers.map((v) => [
        v.code,
        {
          id: v.id,
          code: v.code,
          maxUses: v.maxUses,
          used: v.used,
          validFrom: dateOf(v.from),
          validUntil: dateOf(v.until),
          effect: voucherEffectOf(v.kind, Number(v.value)),
          // None listed: it applies to every type of its event.
          ticketTypeIds: v.types.length > 0 ? v.types : null,
          unlocksHidden: v.unlocksHidden,
          reserved: v.reserved,
          seats: v.seats,
          disabled: v.disabled,
          version: v.version,
        },
      ]),
    ),
  };
}

import type { UserPrincipal } from '../../kernel/principal.js';
import type { BookingTerms } from '../events/booking-terms.js';
import type {
  DecideOptions,
  OrderBatchDecision,
  OrderRequest,
  OrderState,
  QuotaState,
  TicketTypeState,
  VoucherState,
} from './order-decision.js';

// Snapshots and batches for the order decision's tests: every figure a test relies on is set
// by the test itself; these only fill in the rest.

export const EVENT = '11111111-1111-4111-8111-111111111111';
const ORGANIZER = '22222222-2222-4222-8222-222222222222';
const ORGANIZATION = '33333333-3333-4333-8333-333333333333';
export const NOW = new Date('2027-03-01T12:00:00.000Z');
export const HOUR = 3_600_000;
export const at = (ms: number) => new Date(NOW.getTime() + ms);

export const terms = (patch: Partial<BookingTerms> = {}): BookingTerms => ({
  eventId: EVENT,
  organizerId: ORGANIZER,
  organizationId: ORGANIZATION,
  title: 'Concert',
  status: 'published',
  priceCents: 2_500,
  currency: 'EUR',
  maxPerBooking: 10,
  maxPerUser: null,
  salesOpenAt: null,
  salesCloseAt: at(24 * HOUR),
  version: 7,
  ...patch,
});

/** A public, active type on sale with the event, at 10.00, 1 to 10 per booking, in no quota. */
export const ticketType = (id: string, patch: Partial<TicketTypeState> = {}): TicketTypeState => ({
  id,
  name: `Type ${id}`,
  priceCents: 1_000,
  minPerBooking: 1,
  maxPerBooking: 10,
  salesStartAt: null,
  salesEndAt: null,
  hidden: false,
  status: 'active',
  quotaIds: [],
  ...patch,
});

export const quota = (id: string, size: number, patch: Partial<QuotaState> = {}): QuotaState => ({
  id,
  size,
  confirmed: 0,
  held: 0,
  version: 5,
  ...patch,
});

/** An enabled voucher with 100 uses, no discount, every type, always valid, no contingent. */
export const voucher = (code: string, patch: Partial<VoucherState> = {}): VoucherState => ({
  id: `voucher-${code}`,
  code,
  maxUses: 100,
  used: 0,
  validFrom: null,
  validUntil: null,
  effect: { kind: 'none' },
  ticketTypeIds: null,
  unlocksHidden: false,
  reserved: 0,
  seats: 0,
  disabled: false,
  version: 3,
  ...patch,
});

interface Snapshot extends Partial<Omit<OrderState, 'quotas' | 'vouchers' | 'queue'>> {
  quotas?: QuotaState[];
  vouchers?: VoucherState[];
  /** What the waitlist keeps: the types with a line, the quotas and whether the event. */
  queue?: { types?: string[]; quotas?: string[]; event?: boolean };
}

/** 100 seats free event-wide unless told; types, quotas and vouchers as listed. */
export const state = (snapshot: Snapshot = {}): OrderState => {
  const { quotas = [], vouchers = [], queue = {}, ...rest } = snapshot;
  return {
    terms: terms(),
    inventory: { capacity: 100, confirmed: 0, held: 0, version: 41 },
    owned: new Map(),
    keys: new Map(),
    ticketTypes: [ticketType('A')],
    ...rest,
    quotas: new Map(quotas.map((q) => [q.id, q])),
    vouchers: new Map(vouchers.map((v) => [v.code, v])),
    queue: {
      types: new Set(queue.types),
      quotas: new Set(queue.quotas),
      event: queue.event ?? false,
    },
  };
};

export const user = (n: number): UserPrincipal => ({
  kind: 'user',
  userId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  role: 'user',
  sessionId: `session-${n}`,
});

/** User n's order: items as { typeId: quantity } (in that order), or a bare quantity. */
export const order = (
  n: number,
  items: Record<string, number> | number,
  extra: { voucherCode?: string; key?: string; hash?: string } = {},
): OrderRequest => ({
  principal: user(n),
  ...(typeof items === 'number'
    ? { quantity: items }
    : {
        items: Object.entries(items).map(([ticketTypeId, quantity]) => ({
          ticketTypeId,
          quantity,
        })),
      }),
  ...(extra.voucherCode !== undefined && { voucherCode: extra.voucherCode }),
  idempotencyKey: extra.key,
  requestHash: extra.hash ?? 'h',
});

let ids = 0;
export const options = (patch: Partial<DecideOptions> = {}): DecideOptions => ({
  now: NOW,
  holdMinutes: 15,
  newId: () => `id-${++ids}`,
  ...patch,
});

/** Each request's outcome: the booking's status, quantity and total, or the refusal's code. */
export function outcomes(decision: OrderBatchDecision): string[] {
  if (decision.kind === 'forget-keys') return ['forget-keys'];
  return decision.decisions.map((d) =>
    d.ok === true
      ? `${d.row.status} ${d.row.quantity} ${d.row.total_cents}`
      : d.ok === false
        ? d.error.appCode
        : 'replay',
  );
}

/** The refusal details of request i. */
export function details(decision: OrderBatchDecision, i: number): unknown {
  if (decision.kind === 'forget-keys') throw new Error('not decided');
  const d = decision.decisions[i];
  if (d?.ok !== false) throw new Error(`request ${i} was not refused`);
  return d.error.details;
}

export type Write = Extract<OrderBatchDecision, { kind: 'write' }>;

export function written(decision: OrderBatchDecision): Write {
  if (decision.kind !== 'write') throw new Error(`a write expected, got ${decision.kind}`);
  return decision;
}

import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema } from './pagination.js';
import {
  currencySchema,
  idSchema,
  instantSchema,
  priceCentsSchema,
  textSchema,
} from './primitives.js';

/**
 * Payments and refunds (API.md Part 2, "payments and refunds"): a paid booking is confirmed by a
 * payment — marked by a manager, or proven by Stripe's signed webhook — and a cancellation of a
 * paid booking records a refund.
 */

export const paymentProviders = ['manual', 'stripe'] as const;
export const paymentMethods = ['cash', 'transfer', 'card', 'other'] as const;
export const refundStatuses = ['pending', 'succeeded', 'failed'] as const;
export const refundStatusSchema = z.enum(refundStatuses);
export type RefundStatus = z.infer<typeof refundStatusSchema>;

/** At most this much in one payment (a million in the currency's main unit). */
const amountSchema = priceCentsSchema.min(1).max(100_000_000);
const referenceSchema = textSchema({ min: 1, max: 200 });

export const paymentSchema = z.object({
  id: idSchema,
  bookingId: idSchema,
  provider: z.enum(paymentProviders),
  method: z.enum(paymentMethods),
  amountCents: z.int(),
  currency: currencySchema,
  /** The manager's reference (a receipt number), or Stripe's PaymentIntent id. */
  reference: z.string(),
  at: instantSchema,
});
export type Payment = z.infer<typeof paymentSchema>;

export const refundSchema = z.object({
  id: idSchema,
  bookingId: idSchema,
  amountCents: z.int(),
  currency: currencySchema,
  status: refundStatusSchema,
  reason: z.string(),
  /** Stripe's refund id, or what the manager entered when they paid it. */
  reference: z.string().nullable(),
  requestedAt: instantSchema,
  completedAt: instantSchema.nullable(),
});
export type Refund = z.infer<typeof refundSchema>;

export const markPaidInputSchema = z.object({
  bookingId: idSchema,
  amountCents: amountSchema,
  currency: currencySchema,
  method: z.enum(paymentMethods),
  reference: referenceSchema,
});
export type MarkPaidInput = z.input<typeof markPaidInputSchema>;

export const createCheckoutInputSchema = z.object({ bookingId: idSchema });
export const checkoutSchema = z.object({
  provider: z.literal('stripe'),
  /** For Stripe.js on the buyer's page (`confirmPayment`). */
  clientSecret: z.string(),
  paymentIntentId: z.string(),
});
export type Checkout = z.infer<typeof checkoutSchema>;

export const bookingPaymentsSchema = z.object({
  payments: z.array(paymentSchema),
  refunds: z.array(refundSchema),
});
export type BookingPayments = z.infer<typeof bookingPaymentsSchema>;

/** The refunds list's sort key: requested-at, then id (newest first). */
const refundsSortKeySchema = z.strictObject({ r: instantSchema, i: idSchema });
export const listRefundsInputSchema = keysetPageInputSchema(refundsSortKeySchema).extend({
  eventId: idSchema,
  status: refundStatusSchema.optional(),
});
export type ListRefundsInput = z.input<typeof listRefundsInputSchema>;
export const refundPageSchema = pageOutputSchema(refundSchema);

export const markRefundDoneInputSchema = z.object({
  refundId: idSchema,
  reference: referenceSchema,
});

/**
 * An event's cancellation policy: until when an attendee may cancel a confirmed paid booking,
 * and the fee kept when they do (`feePercent` of the total plus `feeCents`, at most the total).
 * Without one, attendees may cancel until the event and get everything back.
 */
export const cancellationPolicySchema = z.strictObject({
  attendeeMayCancelUntil: instantSchema.optional(),
  feePercent: z.int().min(0).max(100).optional(),
  feeCents: priceCentsSchema.max(100_000_000).optional(),
});
export type CancellationPolicy = z.infer<typeof cancellationPolicySchema>;

/** The fee a policy keeps of a total (never more than the total). */
export function cancellationFee(policy: CancellationPolicy | null, totalCents: number): number {
  if (!policy) return 0;
  const fee = Math.floor((totalCents * (policy.feePercent ?? 0)) / 100) + (policy.feeCents ?? 0);
  return Math.min(fee, totalCents);
}

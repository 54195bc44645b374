import {
  type EventlyClient,
  isEventlyError,
  type MemberRole,
  type RouterInputs,
  type RouterOutputs,
} from '@evently/sdk';

type PaymentMethod = RouterInputs['payments']['markPaid']['method'];
type Refund = RouterOutputs['refunds']['markDone'];

/** How money reaches an organizer outside Stripe (`payments.markPaid`'s `method`). */
export const paymentMethods = [
  'cash',
  'transfer',
  'card',
  'other',
] as const satisfies readonly PaymentMethod[];

/**
 * The owner's side: invites `email` as `role` to the organization (the caller's only one when
 * none is named). The code goes to that address by mail; the answer never carries it.
 */
export async function invite(
  owner: EventlyClient,
  input: { email: string; role: MemberRole; organizationId?: string | undefined },
) {
  let organizationId = input.organizationId;
  if (!organizationId) {
    const owned = (await owner.organizations.mine.query()).filter((m) => m.role === 'owner');
    const [only, ...more] = owned;
    if (!only || more.length > 0) {
      throw new Error(`you own ${owned.length} organizations: name one with --organization`);
    }
    organizationId = only.organization.id;
  }
  return owner.organizations.members.invite.mutate({
    organizationId,
    email: input.email,
    role: input.role,
  });
}

/** The invited member's side: the code from the mail joins them to the organization. */
export function accept(member: EventlyClient, code: string) {
  return member.organizations.invitations.accept.mutate({ code });
}

/** What a member may do at an event's door, tried for real. */
export interface DoorCheck {
  /** Bookings on the attendee list (confirmed), read page by page. */
  attendees: number;
  /** What cancelling the first of them answered: the appCode of the refusal, or `cancelled`. */
  cancel: string;
}

/**
 * Reads the event's attendee list and tries to cancel the first booking on it — which door staff
 * may not: they check people in, they do not change what was sold.
 */
export async function checkAtTheDoor(member: EventlyClient, eventId: string): Promise<DoorCheck> {
  const ids: string[] = [];
  for await (const booking of member.paginate(member.bookings.listForEvent, {
    eventId,
    status: 'confirmed',
  })) {
    ids.push(booking.id);
  }
  const [first] = ids;
  if (!first) return { attendees: 0, cancel: 'nothing to cancel' };
  try {
    await member.bookings.cancel.mutate({ bookingId: first, reason: 'Tried by door staff' });
    return { attendees: ids.length, cancel: 'cancelled' };
  } catch (error) {
    if (isEventlyError(error)) return { attendees: ids.length, cancel: error.appCode };
    throw error;
  }
}

/** `25`, `25.5` or `25.00` (the currency's main unit) in minor units: 2500, 2550, 2500. */
export function parseAmount(text: string): number {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new Error(`an amount looks like 25.00, not ${JSON.stringify(text)}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/**
 * An owner or manager records money received for a booking outside Stripe (cash at the box
 * office, a bank transfer). It must equal the booking's total in its currency — the server
 * answers PAYMENT_MISMATCH otherwise and changes nothing — and confirms the booking.
 */
export function markPaid(
  manager: EventlyClient,
  input: {
    bookingId: string;
    amountCents: number;
    currency: string;
    method: PaymentMethod;
    reference: string;
  },
) {
  return manager.payments.markPaid.mutate(input);
}

/**
 * The event's refunds still to pay out: cancelling a paid booking records one (its total minus
 * the event's cancellation fee; a cancelled event refunds everything). Without Stripe the
 * organizer pays them and says so with `refunds.markDone`.
 */
export async function pendingRefunds(manager: EventlyClient, eventId: string): Promise<Refund[]> {
  const refunds: Refund[] = [];
  for await (const refund of manager.paginate(manager.refunds.list, {
    eventId,
    status: 'pending',
  })) {
    refunds.push(refund);
  }
  return refunds;
}

/** The organizer paid a refund back (a transfer, cash): it is `succeeded` with that reference. */
export function refundDone(manager: EventlyClient, refundId: string, reference: string) {
  return manager.refunds.markDone.mutate({ refundId, reference });
}

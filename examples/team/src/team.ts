import { type EventlyClient, isEventlyError, type MemberRole } from '@evently/sdk';

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

import type { MemberRole } from '@evently/contracts';

/**
 * Who may call each procedure (API.md's access columns), as the access tests expect it:
 *
 * - `public`: anyone, signed in or not;
 * - `user`: any signed-in account;
 * - `organizer`: platform organizers and admins (the platform role's own gate);
 * - `admin`: admins only;
 * - `{ members }`: on a target of an organization (its event, its members), the members with one
 *   of these roles and admins are answered; every other signed-in caller gets FORBIDDEN or
 *   NOT_FOUND.
 *
 * Keyed by path; `access-matrix.test.ts` fails while a procedure of the router has no class here
 * or a class here names no procedure, and calls every procedure as every kind of caller.
 */
export type AccessClass = 'public' | 'user' | 'organizer' | 'admin' | { members: MemberRole[] };

const owners: AccessClass = { members: ['owner'] };
const managers: AccessClass = { members: ['owner', 'manager'] };
const everyMember: AccessClass = { members: ['owner', 'manager', 'staff', 'viewer'] };
/** An organization's figures (totals with its `organizationId`; one event's by its id). */
const figures: AccessClass = { members: ['owner', 'manager', 'viewer'] };

export const ACCESS: Record<string, AccessClass> = {
  'auth.register': 'public',
  'auth.verifyEmail': 'public',
  'auth.resendVerification': 'public',
  'auth.login': 'public',
  'auth.refresh': 'public',
  'auth.logout': 'user',
  'auth.me': 'user',
  'auth.updateProfile': 'user',
  'auth.changePassword': 'user',
  'auth.requestPasswordReset': 'public',
  'auth.resetPassword': 'public',
  'auth.sessions.list': 'user',
  'auth.sessions.revoke': 'user',
  'auth.users.list': 'admin',
  'auth.users.setRole': 'admin',
  'auth.users.setActive': 'admin',
  'events.list': 'public',
  'events.get': 'public',
  'events.create': managers,
  'events.update': managers,
  'events.publish': managers,
  'events.cancel': managers,
  'events.delete': managers,
  'bookings.create': 'user',
  'bookings.confirm': 'user',
  'bookings.cancel': 'user',
  'bookings.get': 'user',
  'bookings.mine': 'user',
  'bookings.availability': 'public',
  'bookings.listForEvent': { members: ['owner', 'manager', 'staff'] },
  'bookings.audit': managers,
  'bookings.waitlist.join': 'user',
  'bookings.waitlist.leave': 'user',
  'bookings.waitlist.mine': 'user',
  'bookings.waitlist.forEvent': managers,
  'analytics.overview': figures,
  'analytics.event': figures,
  'analytics.daily': figures,
  'analytics.topEvents': figures,
  'analytics.live': figures,
  'ticketTypes.create': managers,
  'ticketTypes.update': managers,
  'ticketTypes.archive': managers,
  'ticketTypes.list': 'public',
  'quotas.create': managers,
  'quotas.update': managers,
  'quotas.delete': managers,
  'quotas.list': figures,
  'vouchers.create': managers,
  'vouchers.list': figures,
  'vouchers.update': managers,
  'vouchers.disable': managers,
  'vouchers.check': 'public',
  'payments.markPaid': managers,
  'payments.createCheckout': 'user',
  // Its buyer too (the matrix's callers are not the buyer: bookings.flow-like tests cover them).
  'payments.forBooking': managers,
  'refunds.list': managers,
  'refunds.markDone': managers,
  'seating.setPlan': managers,
  'seating.map': 'public',
  'seating.live': 'public',
  'tickets.mine': 'user',
  'tickets.forBooking': managers,
  'tickets.qr': managers,
  'checkin.lists.create': managers,
  'checkin.lists.list': { members: ['owner', 'manager', 'staff'] },
  'checkin.redeem': { members: ['owner', 'manager', 'staff'] },
  'checkin.search': { members: ['owner', 'manager', 'staff'] },
  'checkin.export': { members: ['owner', 'manager', 'staff'] },
  'checkin.sync': { members: ['owner', 'manager', 'staff'] },
  'seating.block': managers,
  'seating.unblock': managers,
  'organizations.create': 'organizer',
  'organizations.mine': 'user',
  'organizations.get': everyMember,
  'organizations.update': owners,
  'organizations.members.list': everyMember,
  'organizations.members.invite': owners,
  'organizations.members.setRole': owners,
  'organizations.members.remove': owners,
  'organizations.invitations.accept': 'user',
  'webhooks.create': owners,
  'webhooks.list': owners,
  'webhooks.update': owners,
  'webhooks.delete': owners,
  'webhooks.rotateSecret': owners,
  'webhooks.test': owners,
  'webhooks.deliveries': owners,
  'webhooks.replay': owners,
  'system.info': 'public',
  'system.mail.deadLetters': 'admin',
  'system.mail.replay': 'admin',
  // An organization's API keys: its owners' (and admins'), people only.
  'apiKeys.create': owners,
  'apiKeys.list': owners,
  'apiKeys.revoke': owners,
};

/** The paths of a plain class. */
export const pathsOf = (access: Exclude<AccessClass, object>): string[] =>
  Object.entries(ACCESS)
    .filter(([, value]) => value === access)
    .map(([path]) => path);

import type { ApiKeyScope } from '@evently/contracts';

/**
 * What an API key may call (API.md's scopes column), as `access-matrix.keys.test.ts` expects it,
 * read from the routers' procedure builders and the access policy's `apiKey` column for the
 * action each service asks (`authorize`/`denial`):
 *
 * - `public`: anyone, a key of any organization too (`publicProcedure`, `maybeAuthedProcedure`);
 * - `person`: only a person (`authedProcedure`, `requireRole`): every key gets FORBIDDEN;
 * - `any`: any key of the target's organization, whatever its scopes (the policy's `ANY`);
 * - a scope: a key of the target's organization with it (or its `:write`, for a `:read`) is
 *   served; one without it gets SCOPE_MISSING; a key of another organization stands as anyone.
 */
export type KeyAccess = ApiKeyScope | 'public' | 'person' | 'any';

export const KEY_ACCESS: Record<string, KeyAccess> = {
  // Accounts and sessions are people's: signing up, in and out is public (publicProcedure, the
  // bearer never read); the rest is authedProcedure or requireRole('admin').
  'auth.register': 'public',
  'auth.verifyEmail': 'public',
  'auth.resendVerification': 'public',
  'auth.login': 'public',
  'auth.refresh': 'public',
  'auth.logout': 'person',
  'auth.me': 'person',
  'auth.updateProfile': 'person',
  'auth.changePassword': 'person',
  'auth.requestPasswordReset': 'public',
  'auth.resetPassword': 'public',
  'auth.sessions.list': 'person',
  'auth.sessions.revoke': 'person',
  'auth.users.list': 'person',
  'auth.users.setRole': 'person',
  'auth.users.setActive': 'person',
  // Reading events is public (maybeAuthed: a key sees its organization's drafts by
  // `event.viewDraft`); creating is `organization.createEvents`, the rest `event.edit`.
  'events.list': 'public',
  'events.get': 'public',
  'events.create': 'events:write',
  'events.update': 'events:write',
  'events.publish': 'events:write',
  'events.cancel': 'events:write',
  'events.delete': 'events:write',
  // Booking, the waitlist and one's own bookings are a person's (`event.book`, `waitlistEntry.leave`:
  // no key column); the organization's bookings are `booking.view` (bookings:read),
  // `booking.confirm`/`confirmUnpaid` and `booking.cancel` (bookings:write), its lists
  // `event.readAttendees` and `event.readBookings` (bookings:read).
  'bookings.create': 'person',
  'bookings.confirm': 'bookings:write',
  'bookings.cancel': 'bookings:write',
  'bookings.get': 'bookings:read',
  'bookings.mine': 'person',
  'bookings.availability': 'public',
  'bookings.listForEvent': 'bookings:read',
  'bookings.audit': 'bookings:read',
  'bookings.waitlist.join': 'person',
  'bookings.waitlist.leave': 'person',
  'bookings.waitlist.mine': 'person',
  'bookings.waitlist.forEvent': 'bookings:read',
  // Figures: `organization.readAnalytics` (totals, series, streams), `event.readAnalytics`.
  'analytics.overview': 'analytics:read',
  'analytics.event': 'analytics:read',
  'analytics.daily': 'analytics:read',
  'analytics.topEvents': 'analytics:read',
  'analytics.live': 'analytics:read',
  // The organization itself: any of its keys sees it (`organization.view`: ANY); making, renaming
  // and running the team are a person's (authedProcedure, requireRole).
  'organizations.create': 'person',
  'organizations.mine': 'person',
  'organizations.get': 'any',
  'organizations.update': 'person',
  'organizations.members.list': 'person',
  'organizations.members.invite': 'person',
  'organizations.members.setRole': 'person',
  'organizations.members.remove': 'person',
  'organizations.invitations.accept': 'person',
  // The platform's: its info is public, its mail queue an admin's.
  'system.info': 'public',
  'system.mail.deadLetters': 'person',
  'system.mail.replay': 'person',
  // Selling: `event.manageVouchers`/`event.manageTicketTypes` (quotas too) are events:write,
  // `event.readVouchers`/`event.readQuotas` events:read; checking a code and the types on sale
  // are public.
  'vouchers.create': 'events:write',
  'vouchers.list': 'events:read',
  'vouchers.update': 'events:write',
  'vouchers.disable': 'events:write',
  'vouchers.check': 'public',
  'ticketTypes.create': 'events:write',
  'ticketTypes.update': 'events:write',
  'ticketTypes.archive': 'events:write',
  'ticketTypes.list': 'public',
  'quotas.create': 'events:write',
  'quotas.update': 'events:write',
  'quotas.delete': 'events:write',
  'quotas.list': 'events:read',
  // Money: `booking.markPaid`/`markRefunded` (bookings:write), `booking.viewPayments` and
  // `event.readRefunds` (bookings:read); a checkout is the buyer's (`booking.pay`: no key).
  'payments.markPaid': 'bookings:write',
  'payments.createCheckout': 'person',
  'payments.forBooking': 'bookings:read',
  'refunds.list': 'bookings:read',
  'refunds.markDone': 'bookings:write',
  // Seats: the map and its stream are public (maybeAuthed, `event.view`); the plan and blocking
  // seats `event.manageSeating` (events:write).
  'seating.setPlan': 'events:write',
  'seating.map': 'public',
  'seating.live': 'public',
  'seating.block': 'events:write',
  'seating.unblock': 'events:write',
  // Tickets: one's own are a person's; a booking's and their QR images `booking.viewTickets`.
  'tickets.mine': 'person',
  'tickets.forBooking': 'bookings:read',
  'tickets.qr': 'bookings:read',
  // The doors: making lists is `event.manageCheckin` (events:write); listing them, scanning,
  // searching, exporting and syncing `event.checkIn` (checkin).
  'checkin.lists.create': 'events:write',
  'checkin.lists.list': 'checkin',
  'checkin.redeem': 'checkin',
  'checkin.search': 'checkin',
  'checkin.export': 'checkin',
  'checkin.sync': 'checkin',
  // `organization.manageWebhooks`: webhooks:manage, for each of them.
  'webhooks.create': 'webhooks:manage',
  'webhooks.list': 'webhooks:manage',
  'webhooks.update': 'webhooks:manage',
  'webhooks.delete': 'webhooks:manage',
  'webhooks.rotateSecret': 'webhooks:manage',
  'webhooks.test': 'webhooks:manage',
  'webhooks.deliveries': 'webhooks:manage',
  'webhooks.replay': 'webhooks:manage',
  // A key never makes, lists or revokes keys (authedProcedure; `manageApiKeys`: no key column).
  'apiKeys.create': 'person',
  'apiKeys.list': 'person',
  'apiKeys.revoke': 'person',
};

/**
 * The `public` procedures built on `publicProcedure`: they never read the bearer, so even a
 * revoked or unknown key is not refused there (the maybeAuthed ones refuse it: they identify
 * whoever sends a bearer).
 */
export const BEARER_UNREAD: readonly string[] = [
  'auth.register',
  'auth.verifyEmail',
  'auth.resendVerification',
  'auth.login',
  'auth.refresh',
  'auth.requestPasswordReset',
  'auth.resetPassword',
  'bookings.availability',
  'vouchers.check',
  'system.info',
];

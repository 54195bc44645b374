/**
 * Who may call each procedure (API.md's access column), as the access tests expect it:
 *
 * - `public`: anyone, signed in or not;
 * - `user`: any signed-in account;
 * - `owner`: any signed-in account may ask, and the target's owner (an event's organizer, an
 *   organization's owner) or an admin is answered; anyone else gets FORBIDDEN or NOT_FOUND;
 * - `organizer`: organizers and admins (role);
 * - `admin`: admins only.
 *
 * Keyed by path; `access-matrix.test.ts` fails while a procedure of the router has no class here
 * or a class here names no procedure, and calls every procedure as every role.
 */
export type AccessClass = 'public' | 'user' | 'owner' | 'organizer' | 'admin';

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
  'events.create': 'organizer',
  'events.update': 'organizer',
  'events.publish': 'organizer',
  'events.cancel': 'organizer',
  'events.delete': 'organizer',
  'bookings.create': 'user',
  'bookings.confirm': 'user',
  'bookings.cancel': 'user',
  'bookings.get': 'user',
  'bookings.mine': 'user',
  'bookings.availability': 'public',
  'bookings.listForEvent': 'owner',
  'bookings.audit': 'owner',
  'bookings.waitlist.join': 'user',
  'bookings.waitlist.leave': 'user',
  'bookings.waitlist.mine': 'user',
  'bookings.waitlist.forEvent': 'owner',
  'analytics.overview': 'organizer',
  'analytics.event': 'organizer',
  'analytics.daily': 'organizer',
  'analytics.topEvents': 'organizer',
  'analytics.live': 'organizer',
  'organizations.create': 'organizer',
  'organizations.mine': 'user',
  'organizations.get': 'owner',
  'organizations.update': 'owner',
  'organizations.members.list': 'owner',
  'organizations.members.invite': 'owner',
  'organizations.members.setRole': 'owner',
  'organizations.members.remove': 'owner',
  'organizations.invitations.accept': 'user',
  'system.info': 'public',
  'system.mail.deadLetters': 'admin',
  'system.mail.replay': 'admin',
};

/** The paths of a class. */
export const pathsOf = (access: AccessClass): string[] =>
  Object.entries(ACCESS)
    .filter(([, value]) => value === access)
    .map(([path]) => path);

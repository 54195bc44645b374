import type { MemberRole } from '@evently/contracts';
import { AppError } from '../kernel/app-error.js';
import type { RolesByOrganization } from '../kernel/member-roles.js';
import type { Principal } from '../kernel/principal.js';

/**
 * Who a caller is to the thing they act on. A caller can stand in several ways at once (a
 * manager booking a seat at their organization's event is its manager and the booking's holder);
 * one standing that allows the action is enough.
 *
 * - `anyone`:   every caller, signed in or not
 * - `signedIn`: any signed-in principal, whatever their role
 * - `holder`:   the user the booking, waitlist entry or membership belongs to
 * - `admin`:    current platform role `admin`
 * - `owner`, `manager`, `staff`, `viewer`: the caller's role now in the organization the target
 *               belongs to (API.md Part 2). The platform role `organizer` grants no standing
 *               here: it only lets its holder create organizations.
 *
 * API keys will add a scoped standing: a new column, decided in `standingsOf` and nowhere else.
 */
const standings = [
  'anyone',
  'signedIn',
  'holder',
  'admin',
  'owner',
  'manager',
  'staff',
  'viewer',
] as const;
export type Standing = (typeof standings)[number];

const Y = true;
const _ = false;

/**
 * THE POLICY: which standing may do what. A target the caller may not see answers NOT_FOUND
 * (its existence is not disclosed: someone else's draft, booking, place in line or organization);
 * a target they see but may not act on answers FORBIDDEN. What is seen is the `*.view` row of
 * the target's kind (`event.viewDraft` for a draft).
 */
// biome-ignore format: the policy reads as a table
const POLICY = {
  //                             anyone signedIn holder admin owner manager staff viewer
  'event.view':                [ Y,     Y,       Y,     Y,    Y,    Y,      Y,    Y ], // published, cancelled, completed
  'event.viewDraft':           [ _,     _,       _,     Y,    Y,    Y,      _,    Y ],
  'event.edit':                [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // update, publish, cancel, delete
  'event.book':                [ _,     Y,       Y,     Y,    Y,    Y,      Y,    Y ], // book, join the waitlist (sales rules apart)
  'event.readAttendees':       [ _,     _,       _,     Y,    Y,    Y,      Y,    _ ], // its bookings list
  'event.readBookings':        [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // its waitlist, audit trail
  'event.readAnalytics':       [ _,     _,       _,     Y,    Y,    Y,      _,    Y ],
  'event.manageVouchers':      [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // create, update, disable its vouchers
  'event.readVouchers':        [ _,     _,       _,     Y,    Y,    Y,      _,    Y ], // its vouchers list
  'event.manageTicketTypes':   [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // create, update, archive its types; its quotas
  'event.readQuotas':          [ _,     _,       _,     Y,    Y,    Y,      _,    Y ], // its quotas list
  'event.viewAllTicketTypes':  [ _,     _,       _,     Y,    Y,    Y,      _,    Y ], // hidden and archived types listed
  'event.readRefunds':         [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // its refunds list
  'event.manageSeating':       [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // its seating plan; blocking seats
  'event.manageCheckin':       [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // its check-in lists
  'event.checkIn':             [ _,     _,       _,     Y,    Y,    Y,      Y,    _ ], // scan and search at its doors
  'booking.view':              [ _,     _,       Y,     Y,    Y,    Y,      Y,    _ ],
  'booking.confirm':           [ _,     _,       Y,     Y,    Y,    Y,      _,    _ ], // a free one (a paid one: below)
  'booking.confirmUnpaid':     [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // the audited override of a payment
  'booking.markPaid':          [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // record money received
  'booking.pay':               [ _,     _,       Y,     _,    _,    _,      _,    _ ], // start a Stripe checkout
  'booking.viewPayments':      [ _,     _,       Y,     Y,    Y,    Y,      _,    _ ], // its payments and refunds
  'booking.viewTickets':       [ _,     _,       Y,     Y,    Y,    Y,      _,    _ ], // its tickets, their codes and QR images
  'booking.markRefunded':      [ _,     _,       _,     Y,    Y,    Y,      _,    _ ], // a refund paid outside Stripe
  'booking.cancel':            [ _,     _,       Y,     Y,    Y,    Y,      _,    _ ],
  'booking.readAudit':         [ _,     _,       _,     Y,    Y,    Y,      _,    _ ],
  'waitlistEntry.view':        [ _,     _,       Y,     Y,    Y,    Y,      _,    _ ],
  'waitlistEntry.leave':       [ _,     _,       Y,     _,    _,    _,      _,    _ ],
  'organization.view':         [ _,     _,       _,     Y,    Y,    Y,      Y,    Y ],
  'organization.edit':         [ _,     _,       _,     Y,    Y,    _,      _,    _ ], // rename
  'organization.createEvents': [ _,     _,       _,     Y,    Y,    Y,      _,    _ ],
  'organization.readMembers':  [ _,     _,       _,     Y,    Y,    Y,      Y,    Y ],
  'organization.readAnalytics':[ _,     _,       _,     Y,    Y,    Y,      _,    Y ], // totals, series, streams
  'organization.manageMembers':[ _,     _,       _,     Y,    Y,    _,      _,    _ ], // invite, set roles
  'organization.manageWebhooks':[ _,    _,       _,     Y,    Y,    _,      _,    _ ], // its webhooks, their deliveries and replays
  'membership.remove':         [ _,     _,       Y,     Y,    Y,    _,      _,    _ ], // holder: leaving
} as const satisfies Record<string, readonly boolean[] & { length: typeof standings.length }>;

export type Action = keyof typeof POLICY;
type ActionOn<K extends string> = Extract<Action, `${K}.${string}`>;
export type EventAction = ActionOn<'event'>;

/**
 * The caller's role in the organization a target belongs to: what the service resolved for this
 * request (undefined: not a member, or not resolved for this kind of target yet).
 */
interface MemberFacts {
  memberRole?: MemberRole | undefined;
}

/** What the policy needs to know about an event (its module loads it). */
export interface EventFacts extends MemberFacts {
  organizationId: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed' | 'deleted';
}

/** A booking or a waitlist entry: whose it is, and whose event it is for. */
export interface HoldingFacts extends MemberFacts {
  holderId: string;
  organizationId: string;
}

/** An organization, as its caller stands to it. */
export interface OrganizationFacts extends MemberFacts {
  organizationId: string;
}

/** One member's membership: whose it is (its holder may leave). */
export interface MembershipFacts extends OrganizationFacts {
  holderId: string;
}

type Facts = EventFacts | HoldingFacts | OrganizationFacts | MembershipFacts;

type TargetOf<A extends Action> =
  A extends ActionOn<'event'>
    ? EventFacts
    : A extends ActionOn<'organization'>
      ? OrganizationFacts
      : A extends ActionOn<'membership'>
        ? MembershipFacts
        : HoldingFacts;

function standingsOf(principal: Principal | null, target: Facts): Standing[] {
  const found: Standing[] = ['anyone'];
  if (!principal) return found;
  found.push('signedIn');
  if ('holderId' in target && target.holderId === principal.userId) found.push('holder');
  if (principal.role === 'admin') found.push('admin');
  if (target.memberRole) found.push(target.memberRole);
  return found;
}

function granted(action: Action, found: Standing[]): boolean {
  const row: readonly boolean[] = POLICY[action];
  return found.some((standing) => row[standings.indexOf(standing)]);
}

/** The row that says whether the caller sees the target at all. */
function viewOf(action: Action, target: Facts): Action {
  if (action.startsWith('event.'))
    return 'status' in target && target.status === 'draft' ? 'event.viewDraft' : 'event.view';
  if (action.startsWith('organization.') || action.startsWith('membership.'))
    return 'organization.view';
  return action.startsWith('booking.') ? 'booking.view' : 'waitlistEntry.view';
}

const notFound: Record<string, string> = {
  event: 'Event not found',
  booking: 'Booking not found',
  waitlistEntry: 'Waitlist entry not found',
  organization: 'Organization not found',
  membership: 'Organization not found',
};

/** Why `principal` may not do `action` to `target`, or undefined when they may. */
export function denial<A extends Action>(
  principal: Principal | null,
  action: A,
  target: TargetOf<A>,
): AppError | undefined {
  const found = standingsOf(principal, target);
  // Nothing is done to what one may not see: a draft of someone else can be neither booked nor
  // edited, and it is not disclosed either.
  if (!granted(viewOf(action, target), found)) {
    return new AppError('NOT_FOUND', notFound[action.slice(0, action.indexOf('.'))] ?? 'Not found');
  }
  if (granted(action, found)) return undefined;
  if (!principal) return new AppError('UNAUTHENTICATED', 'Sign in first');
  return new AppError('FORBIDDEN', 'You are not allowed to do this');
}

export function allows<A extends Action>(
  principal: Principal | null,
  action: A,
  target: TargetOf<A>,
): boolean {
  return denial(principal, action, target) === undefined;
}

/** Throws the denial: NOT_FOUND for what the caller may not see, FORBIDDEN for the rest. */
export function authorize<A extends Action>(
  principal: Principal | null,
  action: A,
  target: TargetOf<A>,
): void {
  const denied = denial(principal, action, target);
  if (denied) throw denied;
}

/** The facts with the caller's role in the target's organization, from their roles. */
export function asMember<F extends { organizationId: string }>(
  facts: F,
  roles: RolesByOrganization,
): F & MemberFacts {
  return { ...facts, memberRole: roles[facts.organizationId] };
}

/** Which events a caller's lists and totals cover. */
export type EventReach =
  | { kind: 'all' }
  | { kind: 'organizations'; organizationIds: string[] }
  | { kind: 'public' };

/**
 * Lists cannot be checked row by row, so they are filtered by reach, which follows the table:
 * admins reach every event (drafts too), members also the drafts of the organizations whose
 * drafts they may see, anyone else what is public.
 */
export function eventReach(principal: Principal | null, roles: RolesByOrganization): EventReach {
  if (principal?.role === 'admin') return { kind: 'all' };
  const organizationIds = Object.keys(roles).filter((organizationId) =>
    granted(
      'event.viewDraft',
      standingsOf(principal, { organizationId, memberRole: roles[organizationId] }),
    ),
  );
  return organizationIds.length > 0
    ? { kind: 'organizations', organizationIds }
    : { kind: 'public' };
}

/**
 * Which events' figures a caller's totals, series and streams cover: an admin's every event, a
 * member's the organizations whose analytics the table lets them read. Undefined: no analytics
 * at all — except for an organizer with no organization yet, whose totals are empty (Part 1 gave
 * organizers the totals of the events they had: none).
 */
export type AnalyticsReach = { kind: 'all' } | { kind: 'organizations'; organizationIds: string[] };

export function analyticsReach(
  principal: Principal,
  roles: RolesByOrganization,
): AnalyticsReach | undefined {
  if (principal.role === 'admin') return { kind: 'all' };
  const organizationIds = Object.keys(roles).filter((organizationId) =>
    granted(
      'organization.readAnalytics',
      standingsOf(principal, { organizationId, memberRole: roles[organizationId] }),
    ),
  );
  if (organizationIds.length === 0 && principal.role !== 'organizer') return undefined;
  return { kind: 'organizations', organizationIds };
}

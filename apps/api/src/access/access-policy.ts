import type { ApiKeyScope, MemberRole } from '@evently/contracts';
import { AppError } from '../kernel/app-error.js';
import type { RolesByOrganization } from '../kernel/member-roles.js';
import { isAdmin, type Principal } from '../kernel/principal.js';

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
 * - `apiKey`:   an API key of the organization the target belongs to. Its column names the scope
 *               the key needs (`ANY`: every key of the organization; `_`: no key, ever — what
 *               only a person does: book a seat, leave a waitlist, run the team). A key of
 *               another organization stands as `anyone`.
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
  'apiKey',
] as const;
export type Standing = (typeof standings)[number];

const Y = true;
const _ = false;
/** In the `apiKey` column: any key of the target's organization, whatever its scopes. */
const ANY = 'any';
type KeyGrant = ApiKeyScope | typeof ANY | false;

/**
 * THE POLICY: which standing may do what. A target the caller may not see answers NOT_FOUND
 * (its existence is not disclosed: someone else's draft, booking, place in line or organization);
 * a target they see but may not act on answers FORBIDDEN. What is seen is the `*.view` row of
 * the target's kind (`event.viewDraft` for a draft).
 */
// biome-ignore format: the policy reads as a table
const POLICY = {
  //                             anyone signedIn holder admin owner manager staff viewer apiKey (its scope)
  'event.view':                [ Y,     Y,       Y,     Y,    Y,    Y,      Y,    Y, ANY              ], // published, cancelled, completed
  'event.viewDraft':           [ _,     _,       _,     Y,    Y,    Y,      _,    Y, 'events:read'    ],
  'event.edit':                [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'events:write'   ], // update, publish, cancel, delete
  'event.book':                [ _,     Y,       Y,     Y,    Y,    Y,      Y,    Y, _                ], // book, join the waitlist (sales rules apart)
  'event.readAttendees':       [ _,     _,       _,     Y,    Y,    Y,      Y,    _, 'bookings:read'  ], // its bookings list
  'event.readBookings':        [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'bookings:read'  ], // its waitlist, audit trail
  'event.readAnalytics':       [ _,     _,       _,     Y,    Y,    Y,      _,    Y, 'analytics:read' ],
  'event.manageVouchers':      [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'events:write'   ], // create, update, disable its vouchers
  'event.readVouchers':        [ _,     _,       _,     Y,    Y,    Y,      _,    Y, 'events:read'    ], // its vouchers list
  'event.manageTicketTypes':   [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'events:write'   ], // create, update, archive its types; its quotas
  'event.readQuotas':          [ _,     _,       _,     Y,    Y,    Y,      _,    Y, 'events:read'    ], // its quotas list
  'event.viewAllTicketTypes':  [ _,     _,       _,     Y,    Y,    Y,      _,    Y, 'events:read'    ], // hidden and archived types listed
  'event.readRefunds':         [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'bookings:read'  ], // its refunds list
  'event.manageSeating':       [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'events:write'   ], // its seating plan; blocking seats
  'event.manageCheckin':       [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'events:write'   ], // its check-in lists
  'event.checkIn':             [ _,     _,       _,     Y,    Y,    Y,      Y,    _, 'checkin'        ], // scan and search at its doors
  'booking.view':              [ _,     _,       Y,     Y,    Y,    Y,      Y,    _, 'bookings:read'  ],
  'booking.confirm':           [ _,     _,       Y,     Y,    Y,    Y,      _,    _, 'bookings:write' ], // a free one (a paid one: below)
  'booking.confirmUnpaid':     [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'bookings:write' ], // the audited override of a payment
  'booking.markPaid':          [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'bookings:write' ], // record money received
  'booking.pay':               [ _,     _,       Y,     _,    _,    _,      _,    _, _                ], // start a Stripe checkout
  'booking.viewPayments':      [ _,     _,       Y,     Y,    Y,    Y,      _,    _, 'bookings:read'  ], // its payments and refunds
  'booking.viewTickets':       [ _,     _,       Y,     Y,    Y,    Y,      _,    _, 'bookings:read'  ], // its tickets, their codes and QR images
  'booking.markRefunded':      [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'bookings:write' ], // a refund paid outside Stripe
  'booking.cancel':            [ _,     _,       Y,     Y,    Y,    Y,      _,    _, 'bookings:write' ],
  'booking.readAudit':         [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'bookings:read'  ],
  'waitlistEntry.view':        [ _,     _,       Y,     Y,    Y,    Y,      _,    _, 'bookings:read'  ],
  'waitlistEntry.leave':       [ _,     _,       Y,     _,    _,    _,      _,    _, _                ],
  'organization.view':         [ _,     _,       _,     Y,    Y,    Y,      Y,    Y, ANY              ],
  'organization.edit':         [ _,     _,       _,     Y,    Y,    _,      _,    _, _                ], // rename
  'organization.createEvents': [ _,     _,       _,     Y,    Y,    Y,      _,    _, 'events:write'   ],
  'organization.readMembers':  [ _,     _,       _,     Y,    Y,    Y,      Y,    Y, _                ],
  'organization.readAnalytics':[ _,     _,       _,     Y,    Y,    Y,      _,    Y, 'analytics:read' ], // totals, series, streams
  'organization.manageMembers':[ _,     _,       _,     Y,    Y,    _,      _,    _, _                ], // invite, set roles
  'organization.manageWebhooks':[ _,    _,       _,     Y,    Y,    _,      _,    _, 'webhooks:manage' ], // its webhooks, their deliveries and replays
  'organization.manageApiKeys': [ _,     _,       _,     Y,    Y,    _,      _,    _, _                ], // its API keys (a key never makes or revokes keys)
  'membership.remove':         [ _,     _,       Y,     Y,    Y,    _,      _,    _, _                ], // holder: leaving
} as const satisfies Record<
  string,
  readonly [boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, KeyGrant]
>;

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
  if (principal.kind === 'apiKey') {
    if (principal.organizationId === target.organizationId) found.push('apiKey');
    return found;
  }
  found.push('signedIn');
  if ('holderId' in target && target.holderId === principal.userId) found.push('holder');
  if (principal.role === 'admin') found.push('admin');
  if (target.memberRole) found.push(target.memberRole);
  return found;
}

/** A `…:write` scope includes its `…:read`. */
function hasScope(scopes: readonly ApiKeyScope[], needed: ApiKeyScope): boolean {
  if (scopes.includes(needed)) return true;
  return (
    needed.endsWith(':read') && scopes.includes(needed.replace(':read', ':write') as ApiKeyScope)
  );
}

/** The scope a key of the target's organization needs for `action` (undefined: no key may). */
function keyGrant(action: Action): KeyGrant {
  return POLICY[action][standings.length - 1] as KeyGrant;
}

function granted(action: Action, found: Standing[], principal: Principal | null): boolean {
  const row: readonly (boolean | string)[] = POLICY[action];
  return found.some((standing) => {
    if (standing !== 'apiKey') return row[standings.indexOf(standing)] === true;
    const grant = keyGrant(action);
    if (grant === false || principal?.kind !== 'apiKey') return false;
    return grant === ANY || hasScope(principal.scopes, grant);
  });
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
  const view = viewOf(action, target);
  // A key of the target's own organization knows what the organization has: what it lacks is
  // a scope, which it is told.
  if (found.includes('apiKey')) {
    for (const needed of [view, action]) {
      if (granted(needed, found, principal)) continue;
      const grant = keyGrant(needed);
      return grant === false || grant === ANY
        ? new AppError('FORBIDDEN', 'An API key cannot do this; a person must')
        : new AppError('SCOPE_MISSING', `This API key lacks the scope ${grant}`, {
            scope: grant,
          });
    }
    return undefined;
  }
  // Nothing is done to what one may not see: a draft of someone else can be neither booked nor
  // edited, and it is not disclosed either.
  if (!granted(view, found, principal)) {
    return new AppError('NOT_FOUND', notFound[action.slice(0, action.indexOf('.'))] ?? 'Not found');
  }
  if (granted(action, found, principal)) return undefined;
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

/** The organizations (of the caller's, or its key's) in which the table grants `action`. */
function reachable(
  principal: Principal | null,
  roles: RolesByOrganization,
  action: 'event.viewDraft' | 'organization.readAnalytics',
): string[] {
  const candidates = principal?.kind === 'apiKey' ? [principal.organizationId] : Object.keys(roles);
  return candidates.filter((organizationId) =>
    granted(
      action,
      standingsOf(principal, { organizationId, memberRole: roles[organizationId] }),
      principal,
    ),
  );
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
  if (isAdmin(principal)) return { kind: 'all' };
  const organizationIds = reachable(principal, roles, 'event.viewDraft');
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
  if (isAdmin(principal)) return { kind: 'all' };
  const organizationIds = reachable(principal, roles, 'organization.readAnalytics');
  const organizer = principal.kind === 'user' && principal.role === 'organizer';
  if (organizationIds.length === 0 && !organizer) return undefined;
  return { kind: 'organizations', organizationIds };
}

import { apiKeyScopes, type MemberRole } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import type { ApiKeyPrincipal, UserPrincipal } from '../kernel/principal.js';
import { allows, analyticsReach, asMember, denial, eventReach } from './access-policy.js';

const as = (role: UserPrincipal['role'], userId: string = role): UserPrincipal => ({
  kind: 'user',
  userId,
  role,
  sessionId: `s-${userId}`,
});
const code = (error: ReturnType<typeof denial>) => error?.appCode ?? 'ok';

const HALL = 'hall';
const draft = { organizationId: HALL, status: 'draft' } as const;
const published = { organizationId: HALL, status: 'published' } as const;
/** The facts as a member of the hall with `role` sees them. */
const by = <F extends { organizationId: string }>(facts: F, role: MemberRole) =>
  asMember(facts, { [HALL]: role });

describe('access policy', () => {
  it('hides a draft from everyone but admins and the members who may see drafts', () => {
    for (const action of [
      'event.view',
      'event.book',
      'event.edit',
      'event.readBookings',
    ] as const) {
      expect(code(denial(null, action, draft))).toBe('NOT_FOUND');
      expect(code(denial(as('user'), action, draft))).toBe('NOT_FOUND');
      expect(code(denial(as('organizer', 'otto'), action, draft))).toBe('NOT_FOUND');
      expect(code(denial(as('user'), action, by(draft, 'staff')))).toBe('NOT_FOUND');
    }
    expect(code(denial(as('user'), 'event.edit', by(draft, 'manager')))).toBe('ok');
    expect(code(denial(as('user'), 'event.view', by(draft, 'viewer')))).toBe('ok');
    expect(code(denial(as('user'), 'event.edit', by(draft, 'viewer')))).toBe('FORBIDDEN');
    expect(code(denial(as('admin'), 'event.readBookings', draft))).toBe('ok');
  });

  it('answers FORBIDDEN for a visible event, UNAUTHENTICATED to nobody', () => {
    expect(code(denial(as('organizer', 'otto'), 'event.edit', published))).toBe('FORBIDDEN');
    expect(code(denial(null, 'event.book', published))).toBe('UNAUTHENTICATED');
    expect(code(denial(null, 'event.view', published))).toBe('ok');
  });

  it('grants by membership, not by the platform role: an organizer outside the hall is an attendee', () => {
    const outsider = as('organizer', 'olga');
    expect(code(denial(outsider, 'event.readBookings', published))).toBe('FORBIDDEN');
    expect(allows(outsider, 'event.book', published)).toBe(true);
    const attendeesBooking = { holderId: 'alice', organizationId: HALL };
    expect(code(denial(outsider, 'booking.cancel', attendeesBooking))).toBe('NOT_FOUND');
    expect(
      code(denial(as('user', 'olga'), 'booking.cancel', by(attendeesBooking, 'manager'))),
    ).toBe('ok');
  });

  it('gives each role its row: staff at the door, viewers the figures, managers the events, owners the team', () => {
    const member = as('user', 'mia');
    const can = (role: MemberRole) => ({
      readAttendees: allows(member, 'event.readAttendees', by(published, role)),
      readBookings: allows(member, 'event.readBookings', by(published, role)),
      readAnalytics: allows(member, 'event.readAnalytics', by(published, role)),
      edit: allows(member, 'event.edit', by(published, role)),
      manageMembers: allows(
        member,
        'organization.manageMembers',
        by({ organizationId: HALL }, role),
      ),
    });
    expect(can('staff')).toEqual({
      readAttendees: true,
      readBookings: false,
      readAnalytics: false,
      edit: false,
      manageMembers: false,
    });
    expect(can('viewer')).toEqual({
      readAttendees: false,
      readBookings: false,
      readAnalytics: true,
      edit: false,
      manageMembers: false,
    });
    expect(can('manager')).toEqual({
      readAttendees: true,
      readBookings: true,
      readAnalytics: true,
      edit: true,
      manageMembers: false,
    });
    expect(Object.values(can('owner')).every(Boolean)).toBe(true);
    // Anyone may leave; only an owner removes someone else; outsiders learn nothing.
    const own = { organizationId: HALL, holderId: 'mia' };
    expect(allows(member, 'membership.remove', by(own, 'viewer'))).toBe(true);
    const other = { organizationId: HALL, holderId: 'sam' };
    expect(code(denial(member, 'membership.remove', by(other, 'manager')))).toBe('FORBIDDEN');
    expect(code(denial(member, 'membership.remove', other))).toBe('NOT_FOUND');
  });

  it('lets one standing suffice: a manager holding a seat at their hall', () => {
    const own = { holderId: 'mia', organizationId: HALL };
    expect(allows(as('user', 'mia'), 'booking.confirm', by(own, 'manager'))).toBe(true);
    expect(allows(as('user', 'mia'), 'booking.readAudit', by(own, 'manager'))).toBe(true);
    // The holder alone sees the booking but not its audit trail.
    expect(code(denial(as('user', 'mia'), 'booking.readAudit', own))).toBe('FORBIDDEN');
  });

  it('reaches lists: all for admins, the drafts of halls a member may see drafts of, public for the rest', () => {
    expect(eventReach(as('admin'), {})).toEqual({ kind: 'all' });
    expect(eventReach(as('user'), { a: 'owner', b: 'staff', c: 'viewer' })).toEqual({
      kind: 'organizations',
      organizationIds: ['a', 'c'],
    });
    expect(eventReach(as('organizer'), {})).toEqual({ kind: 'public' });
    expect(eventReach(as('user'), { b: 'staff' })).toEqual({ kind: 'public' });
    expect(eventReach(null, {})).toEqual({ kind: 'public' });
  });

  it('reaches totals: all for admins, the halls whose figures a member reads, nothing for the rest', () => {
    expect(analyticsReach(as('admin'), { a: 'staff' })).toEqual({ kind: 'all' });
    expect(
      analyticsReach(as('user'), { a: 'owner', b: 'staff', c: 'viewer', d: 'manager' }),
    ).toEqual({ kind: 'organizations', organizationIds: ['a', 'c', 'd'] });
    // Door staff read no figures; a plain account none either.
    expect(analyticsReach(as('user'), { b: 'staff' })).toBeUndefined();
    expect(analyticsReach(as('user'), {})).toBeUndefined();
    // An organizer who has no organization yet has empty totals, as in Part 1.
    expect(analyticsReach(as('organizer'), {})).toEqual({
      kind: 'organizations',
      organizationIds: [],
    });
    expect(allows(as('user'), 'organization.readAnalytics', { organizationId: HALL })).toBe(false);
  });

  it('lets a key act in its own organization by its scopes, and nowhere else', () => {
    const key = (...scopes: ApiKeyPrincipal['scopes']): ApiKeyPrincipal => ({
      kind: 'apiKey',
      apiKeyId: 'k1',
      organizationId: HALL,
      scopes,
      madeBy: 'olga',
    });
    const reader = key('events:read');
    expect(code(denial(reader, 'event.view', draft))).toBe('ok');
    // Its own organization's: what it lacks is a scope, and it is told which.
    const missing = denial(reader, 'event.edit', draft);
    expect(missing?.appCode).toBe('SCOPE_MISSING');
    expect(missing?.details).toEqual({ scope: 'events:write' });
    expect(code(denial(key('checkin'), 'event.edit', draft))).toBe('SCOPE_MISSING');
    // A write scope includes its read.
    expect(code(denial(key('events:write'), 'event.readQuotas', draft))).toBe('ok');
    expect(
      code(denial(key('bookings:write'), 'booking.view', { holderId: 'a', organizationId: HALL })),
    ).toBe('ok');
    expect(
      code(denial(key('bookings:read'), 'booking.cancel', { holderId: 'a', organizationId: HALL })),
    ).toBe('SCOPE_MISSING');
    // What only a person does: no scope grants it.
    expect(code(denial(key(...apiKeyScopes), 'event.book', published))).toBe('FORBIDDEN');
    expect(
      code(denial(key(...apiKeyScopes), 'organization.manageApiKeys', { organizationId: HALL })),
    ).toBe('FORBIDDEN');
    expect(
      code(denial(key(...apiKeyScopes), 'organization.manageMembers', { organizationId: HALL })),
    ).toBe('FORBIDDEN');
    // Another organization's target: the key stands as anyone (a draft is not disclosed).
    const elsewhere = { organizationId: 'other', status: 'draft' } as const;
    expect(code(denial(key(...apiKeyScopes), 'event.edit', elsewhere))).toBe('NOT_FOUND');
    expect(
      code(denial(key(...apiKeyScopes), 'event.edit', { ...elsewhere, status: 'published' })),
    ).toBe('FORBIDDEN');
    // A member's role is never a key's: the facts' memberRole is ignored for keys.
    expect(code(denial(key('events:read'), 'event.edit', by(published, 'owner')))).toBe(
      'SCOPE_MISSING',
    );
    // Reach: its organization's drafts and figures only with the scopes that read them.
    expect(eventReach(reader, {})).toEqual({ kind: 'organizations', organizationIds: [HALL] });
    expect(eventReach(key('checkin'), {})).toEqual({ kind: 'public' });
    expect(analyticsReach(key('analytics:read'), {})).toEqual({
      kind: 'organizations',
      organizationIds: [HALL],
    });
    expect(analyticsReach(key('events:read'), {})).toBeUndefined();
  });
});

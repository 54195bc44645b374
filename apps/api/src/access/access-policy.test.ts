import { describe, expect, it } from 'vitest';
import type { Principal } from '../kernel/principal.js';
import { allows, denial, eventReach } from './access-policy.js';

const as = (role: Principal['role'], userId: string = role): Principal => ({
  kind: 'user',
  userId,
  role,
  sessionId: `s-${userId}`,
});
const code = (error: ReturnType<typeof denial>) => error?.appCode ?? 'ok';

describe('access policy', () => {
  const draft = { organizerId: 'olga', status: 'draft' } as const;
  const published = { organizerId: 'olga', status: 'published' } as const;

  it('hides a draft from everyone but its organizer and admins, whatever the action', () => {
    for (const action of [
      'event.view',
      'event.book',
      'event.edit',
      'event.readBookings',
    ] as const) {
      expect(code(denial(null, action, draft))).toBe('NOT_FOUND');
      expect(code(denial(as('user'), action, draft))).toBe('NOT_FOUND');
      expect(code(denial(as('organizer', 'otto'), action, draft))).toBe('NOT_FOUND');
    }
    expect(code(denial(as('organizer', 'olga'), 'event.edit', draft))).toBe('ok');
    expect(code(denial(as('admin'), 'event.readBookings', draft))).toBe('ok');
  });

  it('answers FORBIDDEN for a visible event, UNAUTHENTICATED to nobody', () => {
    expect(code(denial(as('organizer', 'otto'), 'event.edit', published))).toBe('FORBIDDEN');
    expect(code(denial(null, 'event.book', published))).toBe('UNAUTHENTICATED');
    expect(code(denial(null, 'event.view', published))).toBe('ok');
  });

  it('gives organizer powers by the current role only: a demoted organizer is an attendee', () => {
    const demoted = as('user', 'olga');
    expect(code(denial(demoted, 'event.readBookings', published))).toBe('FORBIDDEN');
    expect(code(denial(demoted, 'event.view', draft))).toBe('NOT_FOUND');
    expect(allows(demoted, 'event.book', published)).toBe(true);
    const attendeesBooking = { holderId: 'alice', organizerId: 'olga' };
    expect(code(denial(demoted, 'booking.cancel', attendeesBooking))).toBe('NOT_FOUND');
    expect(code(denial(as('organizer', 'olga'), 'booking.cancel', attendeesBooking))).toBe('ok');
  });

  it('lets one standing suffice: an organizer holding a seat at their own event', () => {
    const own = { holderId: 'olga', organizerId: 'olga' };
    expect(allows(as('organizer', 'olga'), 'booking.confirm', own)).toBe(true);
    expect(allows(as('organizer', 'olga'), 'booking.readAudit', own)).toBe(true);
    // The holder alone sees the booking but not its audit trail.
    expect(code(denial(as('user', 'olga'), 'booking.readAudit', own))).toBe('FORBIDDEN');
  });

  it('reaches lists by role: all for admins, own drafts for organizers, public for the rest', () => {
    expect(eventReach(as('admin'))).toEqual({ kind: 'all' });
    expect(eventReach(as('organizer', 'olga'))).toEqual({ kind: 'organizer', organizerId: 'olga' });
    expect(eventReach(as('user'))).toEqual({ kind: 'public' });
    expect(eventReach(null)).toEqual({ kind: 'public' });
  });
});

import type { MemberRole } from '@evently/contracts';

/** What each membership role lets its holder do (API.md Part 2), as a mail explains it. */
export const ROLE_MEANING: Record<MemberRole, string> = {
  owner: 'run everything: its events, its members, API keys and webhooks',
  manager: 'run its events: ticket types, vouchers, seating, bookings, waitlists and analytics',
  staff: 'check attendees in at the door and read the attendee lists',
  viewer: 'read its events, drafts included, and their analytics',
};

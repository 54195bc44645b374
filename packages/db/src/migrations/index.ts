import type { Migration } from 'kysely/migration';
import * as infrastructure from './2026-11-24-001-infrastructure.js';
import * as auth from './2026-11-25-001-auth.js';
import * as events from './2026-11-25-002-events.js';
import * as bookingsInventory from './2026-11-25-003-bookings-inventory.js';
import * as bookings from './2026-11-25-004-bookings.js';
import * as analytics from './2026-11-26-001-analytics.js';
import * as mail from './2026-11-26-002-mail.js';
import * as retentionIndexes from './2026-12-03-001-retention-indexes.js';
import * as otpByEmail from './2026-12-04-001-otp-by-email.js';
import * as otpCodeWindows from './2026-12-05-001-otp-code-windows.js';
import * as perishableMails from './2026-12-05-002-perishable-mails.js';
import * as hoursByDay from './2026-12-06-001-hours-by-day.js';
import * as organizations from './2026-12-06-002-organizations.js';
import * as invitationsEndedIndex from './2026-12-06-003-invitations-ended-index.js';
import * as analyticsByOrganization from './2026-12-06-004-analytics-by-organization.js';
import * as ticketTypes from './2026-12-06-005-ticket-types.js';
import * as waitlistPerType from './2026-12-06-006-waitlist-per-type.js';
import * as analyticsByType from './2026-12-06-007-analytics-by-type.js';
import * as payments from './2026-12-06-008-payments.js';
import * as analyticsRevenue from './2026-12-06-009-analytics-revenue.js';
import * as seating from './2026-12-06-010-seating.js';
import * as seatVersions from './2026-12-06-011-seat-versions.js';
import * as tickets from './2026-12-06-012-tickets.js';
import * as checkin from './2026-12-06-013-checkin.js';
import * as analyticsCheckins from './2026-12-06-014-analytics-checkins.js';
import * as mailAttachments from './2026-12-06-015-mail-attachments.js';
import * as webhooks from './2026-12-06-017-webhooks.js';
import * as apiKeys from './2026-12-06-018-api-keys.js';

/**
 * Every migration, by date-prefixed name. A static list (not a folder scan) so the same code
 * runs under tsx, vitest and a bundler. Never edit a migration after it lands: add a new one.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-24-001-infrastructure': infrastructure,
  '2026-11-25-001-auth': auth,
  '2026-11-25-002-events': events,
  '2026-11-25-003-bookings-inventory': bookingsInventory,
  '2026-11-25-004-bookings': bookings,
  '2026-11-26-001-analytics': analytics,
  '2026-11-26-002-mail': mail,
  '2026-12-03-001-retention-indexes': retentionIndexes,
  '2026-12-04-001-otp-by-email': otpByEmail,
  '2026-12-05-001-otp-code-windows': otpCodeWindows,
  '2026-12-05-002-perishable-mails': perishableMails,
  '2026-12-06-001-hours-by-day': hoursByDay,
  '2026-12-06-002-organizations': organizations,
  '2026-12-06-003-invitations-ended-index': invitationsEndedIndex,
  '2026-12-06-004-analytics-by-organization': analyticsByOrganization,
  '2026-12-06-005-ticket-types': ticketTypes,
  '2026-12-06-006-waitlist-per-type': waitlistPerType,
  '2026-12-06-007-analytics-by-type': analyticsByType,
  '2026-12-06-008-payments': payments,
  '2026-12-06-009-analytics-revenue': analyticsRevenue,
  '2026-12-06-010-seating': seating,
  '2026-12-06-011-seat-versions': seatVersions,
  '2026-12-06-012-tickets': tickets,
  '2026-12-06-013-checkin': checkin,
  '2026-12-06-014-analytics-checkins': analyticsCheckins,
  '2026-12-06-015-mail-attachments': mailAttachments,
  '2026-12-06-017-webhooks': webhooks,
  '2026-12-06-018-api-keys': apiKeys,
};

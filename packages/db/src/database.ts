import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type {
  AnalyticsCheckinStatsTable,
  AnalyticsCheckinTicketsTable,
} from './analytics-checkin-tables.js';
import type {
  AnalyticsRebuildCoveredTable,
  AnalyticsTicketTypeStatsTable,
  AnalyticsVoucherStatsTable,
} from './analytics-detail-tables.js';
import type { ApiKeysTable } from './api-key-tables.js';
import type { CreatedAt, Timestamp } from './column-types.js';
import type {
  BookingItemsTable,
  QuotasTable,
  QuotaTicketTypesTable,
  TicketTypesTable,
  VoucherRedemptionsTable,
  VouchersTable,
  VoucherTicketTypesTable,
} from './inventory-tables.js';
import type { SentEmailsTable } from './mail-tables.js';
import type { PaymentsTable, RefundsTable, StripeEventsTable } from './payment-tables.js';
import type { SeatingTables } from './seating-tables.js';
import type { TicketTables } from './ticket-tables.js';
import type { WebhookTables } from './webhook-tables.js';

export type { CreatedAt, Timestamp } from './column-types.js';
export type Json = JSONColumnType<Record<string, unknown>, string, string>;
export type NullableJson = ColumnType<
  Record<string, unknown> | null,
  string | null | undefined,
  string | null
>;

/** Domain events appended in the writer's transaction; the worker relays them. */
export interface OutboxTable {
  /** The event id: also the BullMQ job id of every delivery. */
  id: string;
  /** Monotonic order of commit-time insertion; int8 is read back as a string. */
  seq: ColumnType<string, never, never>;
  topic: string;
  version: number;
  aggregate_id: string | null;
  payload: Json;
  occurred_at: Timestamp;
  relayed_at: Timestamp | null;
  /** Set by the reconciler once every consumer has a processed_events row. */
  delivered_at: Timestamp | null;
  /** How many times the reconciler re-enqueued it (part of the re-delivery job id). */
  redeliveries: Generated<number>;
}

/** (consumer, event) pairs whose effect has been committed. */
export interface ProcessedEventsTable {
  consumer: string;
  event_id: string;
  processed_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  user_id: string;
  scope: string;
  key: string;
  /** Hash of the request parameters: the same key with other parameters is refused. */
  request_hash: string;
  response: NullableJson;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface AuditLogTable {
  id: string;
  seq: ColumnType<string, never, never>;
  entity: string;
  entity_id: string;
  action: string;
  actor_id: string | null;
  /** The API key an entry was made with (then actor_id is null). */
  actor_api_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  before: NullableJson;
  after: NullableJson;
  request_id: string | null;
  at: CreatedAt;
}

export interface UsersTable {
  id: string;
  /** Stored lower-cased; unique case-insensitively. */
  email: string;
  name: string;
  role: 'user' | 'organizer' | 'admin';
  password_hash: string;
  email_verified_at: Timestamp | null;
  active: Generated<boolean>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

type MemberRole = 'owner' | 'manager' | 'staff' | 'viewer';

/** Owns events; every organizer got a personal one (slug `u-<user id without hyphens>`). */
export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface OrganizationMembersTable {
  organization_id: string;
  user_id: string;
  role: MemberRole;
  /** Defaults to now() (fixtures leave it out). */
  joined_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface OrganizationInvitationsTable {
  id: string;
  organization_id: string;
  /** Stored lower-cased. */
  email: string;
  role: MemberRole;
  code_hash: string;
  /** The plaintext code until its mail is rendered; then null. */
  mail_code: string | null;
  invited_by: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: Timestamp | null;
  accepted_by: string | null;
  revoked_at: Timestamp | null;
}

/** A refresh-token family: one login on one device. */
export interface SessionsTable {
  id: string;
  user_id: string;
  refresh_token_hash: string;
  rotation_counter: Generated<number>;
  user_agent: string | null;
  ip: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
}

export interface SessionRefreshTokensTable {
  token_hash: string;
  session_id: string;
  generation: number;
  created_at: CreatedAt;
}

/**
 * One row per (email, purpose), whether or not the email has an account: a phantom row (no
 * user, a hash nobody can match) runs the same cooldown, attempts and expiry as a real code.
 */
export interface OtpCodesTable {
  id: string;
  /** HMAC of the lower-cased email under the server secret: no plaintext address is stored. */
  email_key: string;
  /** Null for a phantom code. */
  user_id: string | null;
  purpose: 'verify' | 'reset';
  code_hash: string;
  /** The plaintext code until the mail consumer queues its mail; then null. */
  mail_code: string | null;
  expires_at: Timestamp;
  attempts: Generated<number>;
  consumed_at: Timestamp | null;
  created_at: Timestamp;
  /** When the current hour of codes for (email, purpose) began. */
  window_started_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** Codes issued since `window_started_at`: past a few, the next one waits longer. */
  codes_in_window: Generated<number>;
}

export interface EventsTable {
  id: string;
  /** Who created it; the organization owns it. */
  organizer_id: string;
  organization_id: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed';
  title: string;
  description: string;
  venue: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  capacity: number;
  /** int8: read back as a string. */
  price_cents: ColumnType<string, number | string, number | string>;
  currency: string;
  max_per_booking: number;
  max_per_user: number | null;
  sales_start_at: Timestamp | null;
  sales_end_at: Timestamp | null;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Timestamp;
  published_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  cancel_reason: string | null;
  /** `CancellationPolicy` of the contracts, or null (attendees cancel any time, no fee). */
  cancellation_policy: NullableJson;
  /** Generated full-text vector of title, venue and description. */
  search: ColumnType<string, never, never>;
}

export interface EventInventoryTable {
  event_id: string;
  capacity: number;
  confirmed: Generated<number>;
  held: Generated<number>;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface BookingsTable {
  id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  status: 'pending' | 'confirmed' | 'cancelled' | 'expired';
  /** int8: read back as strings. */
  unit_price_cents: ColumnType<string, number | string, number | string>;
  total_cents: ColumnType<string, number | string, number | string>;
  currency: string;
  expires_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  confirmed_at: Timestamp | null;
  cancelled_at: Timestamp | null;
  cancel_reason: string | null;
  waitlist_entry_id: string | null;
}

export interface WaitlistEntriesTable {
  id: string;
  event_id: string;
  user_id: string;
  /** The type it waits for (the waitlist is per ticket type). */
  ticket_type_id: string;
  quantity: number;
  status: 'waiting' | 'offered' | 'converted' | 'expired' | 'left' | 'closed';
  join_seq: ColumnType<string, never, never>;
  offer_booking_id: string | null;
  offer_expires_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** analytics: per-event figures (see the analytics migration). */
export interface AnalyticsEventStatsTable {
  event_id: string;
  /** The organization owning the event (whose members read its figures and totals). */
  organization_id: string;
  title: string;
  status: 'draft' | 'published' | 'cancelled' | 'completed' | 'deleted';
  capacity: number;
  starts_at: Timestamp;
  event_version: number;
  confirmed_bookings: Generated<number>;
  pending_bookings: Generated<number>;
  cancelled_bookings: Generated<number>;
  expired_bookings: Generated<number>;
  tickets_sold: Generated<number>;
  /** Payments less refunds (migration 2026-12-06-009). int8: read back as a string. */
  revenue_cents: ColumnType<string, number | string | undefined, number | string>;
  /** Refunds recorded, whatever their status. int8: read back as a string. */
  refunded_cents: ColumnType<string, number | string | undefined, number | string>;
  /** Totals of pending bookings (not paid yet). int8: read back as a string. */
  pending_payment_cents: ColumnType<string, number | string | undefined, number | string>;
  waitlist_joined: Generated<number>;
  waitlist_waiting: Generated<number>;
  waitlist_offered: Generated<number>;
  waitlist_converted: Generated<number>;
  /** int8: read back as a string. */
  live_seq: ColumnType<string, number | string | undefined, number | string>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/** analytics: daily buckets per event, organization and overall (hours: AnalyticsHoursTable). */
export interface AnalyticsSeriesTable {
  granularity: 'day';
  scope_kind: 'all' | 'organization' | 'event';
  scope_id: string;
  bucket: Timestamp;
  bookings: Generated<number>;
  tickets: Generated<number>;
  cancellations: Generated<number>;
  /** int8: read back as a string. */
  revenue_cents: ColumnType<string, number | string | undefined, number | string>;
  new_users: Generated<number>;
  verified_users: Generated<number>;
}

/**
 * analytics: hourly buckets per event, organization and overall, a row per UTC day — element i of
 * each array is the hour starting i hours after `day` (24 elements).
 */
export interface AnalyticsHoursTable {
  scope_kind: 'all' | 'organization' | 'event';
  scope_id: string;
  day: Timestamp;
  bookings: number[];
  tickets: number[];
  cancellations: number[];
  /** int8[]: read back as strings. */
  revenue_cents: ColumnType<string[], number[], number[]>;
  new_users: number[];
  verified_users: number[];
}

export interface AnalyticsWaitlistEntriesTable {
  entry_id: string;
  event_id: string;
  left_waiting: boolean;
}

export interface AnalyticsLiveUpdatesTable {
  /** int8: read back as a string. */
  seq: ColumnType<string, number | string, never>;
  event_id: string;
  organization_id: string;
  stats: Json;
  /** A one-event stream's detail (per type, quota, voucher); null in older rows. */
  detail: NullableJson;
  /** Only the detail moved (a hold): streams of several events skip it. */
  detail_only: Generated<boolean>;
  created_at: CreatedAt;
}

export interface AnalyticsLiveCursorTable {
  id: number;
  seq: ColumnType<string, number | string, number | string>;
  pruned_through: ColumnType<string, number | string, number | string>;
}

export interface Database extends SeatingTables, TicketTables, WebhookTables {
  outbox: OutboxTable;
  processed_events: ProcessedEventsTable;
  idempotency_keys: IdempotencyKeysTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  organizations: OrganizationsTable;
  organization_members: OrganizationMembersTable;
  organization_invitations: OrganizationInvitationsTable;
  sessions: SessionsTable;
  session_refresh_tokens: SessionRefreshTokensTable;
  otp_codes: OtpCodesTable;
  events: EventsTable;
  event_inventory: EventInventoryTable;
  bookings: BookingsTable;
  waitlist_entries: WaitlistEntriesTable;
  ticket_types: TicketTypesTable;
  quotas: QuotasTable;
  quota_ticket_types: QuotaTicketTypesTable;
  vouchers: VouchersTable;
  voucher_ticket_types: VoucherTicketTypesTable;
  booking_items: BookingItemsTable;
  voucher_redemptions: VoucherRedemptionsTable;
  sent_emails: SentEmailsTable;
  analytics_event_stats: AnalyticsEventStatsTable;
  analytics_series: AnalyticsSeriesTable;
  analytics_hours: AnalyticsHoursTable;
  analytics_waitlist_entries: AnalyticsWaitlistEntriesTable;
  analytics_live_updates: AnalyticsLiveUpdatesTable;
  analytics_live_cursor: AnalyticsLiveCursorTable;
  analytics_rebuild_covered: AnalyticsRebuildCoveredTable;
  analytics_ticket_type_stats: AnalyticsTicketTypeStatsTable;
  analytics_voucher_stats: AnalyticsVoucherStatsTable;
  analytics_checkin_stats: AnalyticsCheckinStatsTable;
  analytics_checkin_tickets: AnalyticsCheckinTicketsTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  stripe_events: StripeEventsTable;
}

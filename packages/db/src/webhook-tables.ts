import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.js';

// The tables of webhooks (migration 2026-12-06-017-webhooks): an organization's subscriptions,
// the deliveries the `webhooks` consumer records (one per webhook and domain event), and every
// attempt at sending one.

type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;

export interface WebhooksTable {
  id: string;
  organization_id: string;
  url: string;
  topics: string[];
  description: string | null;
  /**
   * The Standard Webhooks signing secret (`whsec_…`). Kept as written, not hashed: the worker
   * signs every delivery with it. Only the owners see it, once (create, rotateSecret).
   */
  secret: string;
  /** The secret before the last rotation, signing too until `previous_secret_until`. */
  previous_secret: string | null;
  previous_secret_until: NullableTimestamp;
  status: 'active' | 'disabled';
  /** Since when every attempt failed; null after a success. */
  failing_since: NullableTimestamp;
  disabled_at: NullableTimestamp;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  /** The `webhook-id` header: the same on every attempt and replay. */
  id: string;
  webhook_id: string;
  /** The domain event (outbox id); one delivery per webhook and event. */
  event_id: string;
  /** The event's outbox `seq`: a webhook's deliveries go out in this order (int8 as a string). */
  seq: ColumnType<string, string | number, never>;
  topic: string;
  /** The body, exactly as sent on every attempt. */
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: Generated<number>;
  /** When it is tried next; while an attempt runs, the end of its lease. */
  next_attempt_at: Timestamp;
  /** Tried until then (24 h after it was recorded or replayed), then `failed`. */
  retry_until: Timestamp;
  last_attempt_at: NullableTimestamp;
  last_status_code: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  created_at: Timestamp;
  delivered_at: NullableTimestamp;
}

/** One try at sending a delivery, whatever came of it. */
export interface WebhookAttemptsTable {
  delivery_id: string;
  /** Its number among the delivery's attempts (the claim that made it), from 1. */
  attempt: number;
  at: Timestamp;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  recorded_at: CreatedAt;
}

export interface WebhookTables {
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}

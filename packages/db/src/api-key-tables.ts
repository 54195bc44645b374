import type { ColumnType } from 'kysely';
import type { Timestamp } from './column-types.js';

// The table of API keys (migration 2026-12-06-018-api-keys).

type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  scopes: string[];
  /** SHA-256 of the secret (`evk_…`): what a request's bearer is looked up by. */
  secret_hash: Buffer;
  /** The secret's first characters, shown in lists to tell keys apart. */
  prefix: string;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  /** The owner who made it (an event it creates is credited to them). */
  created_by: string;
  created_at: Timestamp;
}

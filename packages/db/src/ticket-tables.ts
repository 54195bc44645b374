import type { ColumnType, JSONColumnType } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.js';

// The tables of tickets (migration 2026-12-06-012-tickets: the keys ticket codes are signed
// with, one ticket per seat or unit of a confirmed booking) and of check-in (013: lists, the
// entries and exits scanned on them, each scan's answer by its nonce).

/** A public key as a JWK (Ed25519: `kty: OKP`, `crv: Ed25519`, `x`). */
export interface TicketPublicJwk {
  kty: string;
  crv: string;
  x: string;
}

/** A key ticket codes were ever signed with: its public half, kept while its tickets may be scanned. */
export interface TicketSigningKeysTable {
  /** The JWK thumbprint (RFC 7638) of its public key. */
  kid: string;
  public_jwk: JSONColumnType<TicketPublicJwk>;
  /**
   * Only for a key the embedded mode made for itself (so its tickets outlive a restart); a key
   * given as TICKET_SIGNING_KEY is never stored.
   */
  private_pkcs8: string | null;
  created_at: CreatedAt;
  /** Revoked: codes signed with it are refused, and the JWKS no longer lists it. */
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface TicketsTable {
  id: string;
  booking_id: string;
  event_id: string;
  ticket_type_id: string;
  /** Its reserved seat, for a seated type. */
  seat_id: string | null;
  /** Its place among its booking's tickets of its type, from 0. */
  unit: number;
  status: 'valid' | 'void';
  issued_at: Timestamp;
  voided_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CheckinListsTable {
  id: string;
  event_id: string;
  name: string;
  /** false: only the types in `checkin_list_types`. */
  all_types: boolean;
  allow_reentry: boolean;
  created_by: string | null;
  created_at: Timestamp;
}

export interface CheckinListTypesTable {
  list_id: string;
  ticket_type_id: string;
}

/** An entry or exit on a list: a ticket's n-th of each is one row (migration 013). */
export interface CheckinsTable {
  id: ColumnType<string, string | undefined, never>;
  list_id: string;
  ticket_id: string;
  direction: 'entry' | 'exit';
  epoch: number;
  at: Timestamp;
  gate: string | null;
  nonce: string;
  scanned_by: string | null;
}

/** A scan's answer by its nonce: the same nonce again is answered alike. */
export interface CheckinScansTable {
  list_id: string;
  nonce: string;
  answer: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  at: Timestamp;
}

export interface TicketTables {
  ticket_signing_keys: TicketSigningKeysTable;
  tickets: TicketsTable;
  checkin_lists: CheckinListsTable;
  checkin_list_types: CheckinListTypesTable;
  checkins: CheckinsTable;
  checkin_scans: CheckinScansTable;
}

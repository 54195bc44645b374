export type * from './analytics-checkin-tables.js';
export type * from './analytics-detail-tables.js';
export type * from './api-key-tables.js';
export {
  createDb,
  type DbHandle,
  type DbKind,
  type DbOptions,
  type ListenEvents,
  type NotifyHandler,
} from './create-db.js';
export type * from './database.js';
export { isDatabaseUnavailable } from './database-unavailable.js';
export type * from './inventory-tables.js';
export type * from './mail-tables.js';
export { MigrationError, migrateDown, migrateToLatest } from './migrate.js';
export {
  type AppendedEvent,
  appendEvent,
  appendEvents,
  OUTBOX_CHANNEL,
  type OutboxRow,
  toOutboxRows,
} from './outbox/append-event.js';
export type * from './payment-tables.js';
export {
  createReadReplica,
  type ReadReplica,
  type ReadReplicaOptions,
} from './read-replica.js';
export type * from './seating-tables.js';
export type * from './ticket-tables.js';
export type * from './webhook-tables.js';

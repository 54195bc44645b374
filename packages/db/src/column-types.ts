import type { ColumnType } from 'kysely';

/** Timestamps come back as Date from both pg and PGlite; we write Date or ISO strings. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
export type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

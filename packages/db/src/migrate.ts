import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { migrations } from './migrations/index.js';

export class MigrationError extends Error {
  constructor(
    readonly migrationName: string | undefined,
    cause: unknown,
  ) {
    super(`migration ${migrationName ?? '(unknown)'} failed`, { cause });
    this.name = 'MigrationError';
  }
}

function migrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/** Brings the schema to the newest migration; returns the names applied now. */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new MigrationError(failed?.migrationName, error);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Undoes the newest migration (development only). */
export async function migrateDown<DB>(db: Kysely<DB>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateDown();
  if (error) throw new MigrationError(results?.[0]?.migrationName, error);
  return (results ?? []).map((r) => r.migrationName);
}

// `pnpm db:migrate`: migrate the database of DATABASE_URL, or the embedded one under EVENTLY_DATA_DIR.
import { createDb } from './create-db.js';
import { migrateToLatest } from './migrate.js';

const databaseUrl = process.env.DATABASE_URL || undefined;
const dataDir = process.env.EVENTLY_DATA_DIR || '.evently';
const handle = await createDb({ databaseUrl, dataDir: `${dataDir}/pgdata` });
try {
  const applied = await migrateToLatest(handle.db);
  console.log(
    `${databaseUrl ? 'postgres' : `embedded PGlite (${dataDir})`}: ${applied.length ? `applied ${applied.join(', ')}` : 'already up to date'}`,
  );
} finally {
  await handle.close();
}

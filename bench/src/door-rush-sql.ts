import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import { interleave, type ScannerPlan } from './door-rush-plan.js';
import { type PgbenchRun, runPgbench } from './hot-event-pgbench.js';

// Raw SQL's door: the same scans as the API's (the plan's requests in the order the scanners send
// them, a retried scan twice in a row), each one autocommitted statement — the entry inserted
// only if the nonce was not seen yet and the ticket has no entry on the list (the API's
// conditional insert: ON CONFLICT ON CONSTRAINT checkins_epoch DO NOTHING, epoch 0 as a list
// without re-entry has), then the scan's answer kept by its nonce (ok or already_in). The same
// tables and constraints as Evently's, nothing else: no code verified, no ticket or list read, no
// outbox event, no answer read back for a retried nonce. Run by pgbench (-M prepared, a C client)
// at several client counts on lists of their own; the clients take the scans from a sequence,
// each ceil(scans / clients) transactions (the last few find none left).

const PLAN_TABLE = `CREATE TABLE IF NOT EXISTS bench_door_scans (
  n int PRIMARY KEY,
  ticket_id uuid NOT NULL,
  gate text NOT NULL,
  nonce text NOT NULL)`;
const SEQUENCE = 'CREATE SEQUENCE IF NOT EXISTS bench_door_seq';

/** One scan: the next of the line (an InitPlan, so the plan's key is used once). */
const SCAN_SQL = `WITH scan AS (
  SELECT ticket_id, gate, nonce FROM bench_door_scans WHERE n = (SELECT nextval('bench_door_seq'))
), entry AS (
  INSERT INTO checkins (list_id, ticket_id, direction, epoch, at, gate, nonce, scanned_by)
  SELECT :list::uuid, ticket_id, 'entry', 0, clock_timestamp(), gate, nonce, :staff::uuid
  FROM scan WHERE NOT EXISTS (SELECT 1 FROM checkin_scans k
    WHERE k.list_id = :list::uuid AND k.nonce = scan.nonce)
  ON CONFLICT ON CONSTRAINT checkins_epoch DO NOTHING
  RETURNING ticket_id
)
INSERT INTO checkin_scans (list_id, nonce, answer, at)
SELECT :list::uuid, nonce, jsonb_build_object('result',
  CASE WHEN EXISTS (SELECT 1 FROM entry) THEN 'ok' ELSE 'already_in' END), clock_timestamp()
FROM scan
ON CONFLICT (list_id, nonce) DO NOTHING;
`;

/** Writes the plan's line of scans for pgbench (once: every raw SQL run plays it); its length. */
export async function loadSqlPlan(
  db: Kysely<Database>,
  plans: readonly ScannerPlan[],
): Promise<number> {
  await sql.raw(PLAN_TABLE).execute(db);
  await sql.raw(SEQUENCE).execute(db);
  const line = interleave(plans);
  await sql`
    INSERT INTO bench_door_scans (n, ticket_id, gate, nonce)
    SELECT n, ticket_id, gate, nonce
    FROM unnest(${line.map((s) => s.ticketId)}::uuid[], ${line.map((s) => s.gate)}::text[],
      ${line.map((s) => s.nonce)}::text[]) WITH ORDINALITY AS u(ticket_id, gate, nonce, n)`.execute(
    db,
  );
  await sql`ANALYZE bench_door_scans`.execute(db);
  return line.length;
}

/** pgbench's `clients` play the whole line on `listId`, as staff `staffId`. */
export async function runSqlDoor(options: {
  db: Kysely<Database>;
  databaseUrl: string;
  eventId: string;
  listId: string;
  staffId: string;
  scans: number;
  clients: number;
}): Promise<PgbenchRun> {
  await sql`SELECT setval('bench_door_seq', 1, false)`.execute(options.db);
  return runPgbench({
    databaseUrl: options.databaseUrl,
    eventId: options.eventId,
    clients: options.clients,
    transactions: Math.ceil(options.scans / options.clients),
    script: {
      name: 'door-rush',
      sql: SCAN_SQL,
      defines: { list: options.listId, staff: options.staffId },
    },
  });
}

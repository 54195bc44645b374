import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';
import type { PlanSummary } from './door-rush-plan.js';
import type { ScanRecord, ScanRun } from './door-rush-scanner.js';

// "Zero double entries", checked: after each run, in SQL, every ticket of the plan has exactly
// one entry on the run's list and nothing else is on it, every scan's answer is kept by its
// nonce; against what the scanners were told, every ticket was let in exactly once (one `ok` a
// ticket, counted by nonce: a retried scan's two answers are one scan's), the ticket shown at a
// second gate was told already_in at one of them, a retry was told what its first request was,
// and the answers kept are the ones told. Any failure fails the bench.

const EXPECTED = new Set(['ok', 'already_in']);

export interface DoorCheck {
  ok: boolean;
  /** Every problem found, or what was checked when none was. */
  verdict: string;
  /** Of the tickets shown at two gates: how many were in flight at both at once. */
  overlapped?: number;
  /** …and how many the second gate let in. */
  secondGateWon?: number;
}

interface Books {
  entries: number;
  exits: number;
  /** Tickets of the plan without exactly one entry. */
  notOnce: number;
  scans: number;
  unanswered: number;
  keptOk: number;
}

/** What the list holds: its entries (each planned ticket's count) and the scans it kept. */
async function books(db: Kysely<Database>, listId: string, ticketIds: string[]): Promise<Books> {
  const { rows } = await sql<Record<keyof Books, string>>`
    WITH entered AS (
      SELECT ticket_id, count(*) AS n FROM checkins
      WHERE list_id = ${listId} AND direction = 'entry' GROUP BY ticket_id
    )
    SELECT
      (SELECT coalesce(sum(n), 0) FROM entered) AS entries,
      (SELECT count(*) FROM checkins WHERE list_id = ${listId} AND direction = 'exit') AS exits,
      (SELECT count(*) FROM unnest(${ticketIds}::uuid[]) AS planned(id)
        LEFT JOIN entered ON entered.ticket_id = planned.id
        WHERE coalesce(entered.n, 0) <> 1) AS "notOnce",
      (SELECT count(*) FROM checkin_scans WHERE list_id = ${listId}) AS scans,
      (SELECT count(*) FROM checkin_scans WHERE list_id = ${listId} AND answer IS NULL)
        AS unanswered,
      (SELECT count(*) FROM checkin_scans WHERE list_id = ${listId}
        AND answer->>'result' = 'ok') AS "keptOk"`.execute(db);
  const r = rows[0];
  const n = (v: string | undefined) => Number(v ?? Number.NaN);
  return {
    entries: n(r?.entries),
    exits: n(r?.exits),
    notOnce: n(r?.notOnce),
    scans: n(r?.scans),
    unanswered: n(r?.unanswered),
    keptOk: n(r?.keptOk),
  };
}

function bookProblems(b: Books, plan: PlanSummary): string[] {
  const problems: string[] = [];
  if (b.notOnce !== 0) problems.push(`${b.notOnce} tickets without exactly one entry`);
  if (b.entries !== plan.tickets) problems.push(`${b.entries} entries for ${plan.tickets} tickets`);
  if (b.exits !== 0) problems.push(`${b.exits} exits recorded`);
  if (b.scans !== plan.nonces) problems.push(`${b.scans} scans kept for ${plan.nonces} nonces`);
  if (b.unanswered !== 0) problems.push(`${b.unanswered} scans kept without an answer`);
  if (b.keptOk !== plan.tickets) problems.push(`${b.keptOk} scans kept as ok`);
  return problems;
}

const verdictOf = (problems: string[], checked: string) =>
  problems.length === 0 ? `ok: ${checked}` : `FAILED: ${problems.join('; ')}`;

/** Raw SQL's run: its list's books only (pgbench hears no answers). */
export async function checkSqlDoor(
  db: Kysely<Database>,
  listId: string,
  ticketIds: string[],
  plan: PlanSummary,
): Promise<DoorCheck> {
  const problems = bookProblems(await books(db, listId, ticketIds), plan);
  return {
    ok: problems.length === 0,
    verdict: verdictOf(problems, `${plan.tickets} tickets in once each, ${plan.nonces} scans kept`),
  };
}

/** What the scanners were told, against the plan. */
function toldProblems(run: ScanRun, ticketIds: string[], plan: PlanSummary) {
  const problems: string[] = [];
  const { records } = run;
  if (records.length !== plan.requests) {
    problems.push(`${records.length} answers to ${plan.requests} requests`);
  }
  const odd = new Map<string, number>();
  for (const r of records.filter((x) => !EXPECTED.has(x.result))) {
    odd.set(r.result, (odd.get(r.result) ?? 0) + 1);
  }
  if (odd.size > 0) {
    problems.push(`unexpected answers: ${[...odd].map(([a, n]) => `${a} ×${n}`).join(', ')}`);
  }
  const wrongTicket = records.filter(
    (r) => EXPECTED.has(r.result) && r.ticketId !== r.shownTicketId,
  );
  if (wrongTicket.length > 0) problems.push(`${wrongTicket.length} answers naming another ticket`);
  // One scan a nonce: a retry's answer must be its first request's.
  const first = new Map<string, ScanRecord>();
  for (const r of records) if (r.kind !== 'retry') first.set(r.nonce, r);
  const retriesOff = records.filter((r) => {
    const f = first.get(r.nonce);
    return r.kind === 'retry' && (f?.result !== r.result || f.ticketId !== r.ticketId);
  }).length;
  if (retriesOff > 0) problems.push(`${retriesOff} retries told otherwise than their first`);
  const okByTicket = new Map<string, number>();
  for (const r of first.values()) {
    if (r.result === 'ok')
      okByTicket.set(r.shownTicketId, (okByTicket.get(r.shownTicketId) ?? 0) + 1);
  }
  const okScans = [...okByTicket.values()].reduce((a, b) => a + b, 0);
  if (okScans !== plan.tickets) problems.push(`${okScans} scans answered ok, not ${plan.tickets}`);
  const notOnce = ticketIds.filter((id) => okByTicket.get(id) !== 1).length;
  if (notOnce > 0) problems.push(`${notOnce} tickets not told ok exactly once`);
  // A ticket at two gates at once: one of them let it in, the other was told already_in.
  let overlapped = 0;
  let secondGateWon = 0;
  let pairsOff = 0;
  for (const second of first.values()) {
    if (second.kind !== 'second-gate') continue;
    const one = first.get(second.nonce.replace(/-again$/, ''));
    if (!one || [one.result, second.result].sort().join() !== 'already_in,ok') pairsOff += 1;
    if (second.result === 'ok') secondGateWon += 1;
    if (one && one.sentAtMs < second.answeredAtMs && second.sentAtMs < one.answeredAtMs) {
      overlapped += 1;
    }
  }
  if (pairsOff > 0) problems.push(`${pairsOff} tickets at two gates not told ok at exactly one`);
  return { problems, told: first, overlapped, secondGateWon };
}

/** An Evently run: its list's books, its outbox, what its scanners were told. */
export async function checkDoorRun(
  db: Kysely<Database>,
  listId: string,
  ticketIds: string[],
  plan: PlanSummary,
  run: ScanRun,
): Promise<DoorCheck> {
  const problems = bookProblems(await books(db, listId, ticketIds), plan);
  const told = toldProblems(run, ticketIds, plan);
  problems.push(...told.problems);
  const answers = [...told.told.values()];
  const { rows } = await sql<{ events: string; differ: string }>`
    SELECT
      (SELECT count(*) FROM outbox WHERE topic = 'ticket.checked_in'
        AND payload->>'listId' = ${listId}) AS events,
      (SELECT count(*) FROM unnest(${answers.map((a) => a.nonce)}::text[],
          ${answers.map((a) => a.result)}::text[]) AS t(nonce, result)
        LEFT JOIN checkin_scans k ON k.list_id = ${listId} AND k.nonce = t.nonce
        WHERE k.answer->>'result' IS DISTINCT FROM t.result) AS differ`.execute(db);
  const events = Number(rows[0]?.events);
  if (events !== plan.tickets)
    problems.push(`${events} ticket.checked_in events, not ${plan.tickets}`);
  const differ = Number(rows[0]?.differ);
  if (differ > 0) problems.push(`${differ} scans kept with another answer than told`);
  return {
    ok: problems.length === 0,
    verdict: verdictOf(
      problems,
      `${plan.tickets} tickets in once each (${plan.secondGate} also at a second gate, told already_in; ${plan.retried} retried, told alike), ${events} events`,
    ),
    overlapped: told.overlapped,
    secondGateWon: told.secondGateWon,
  };
}

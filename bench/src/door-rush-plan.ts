// Who scans what at the door rush (door-rush.bench.ts): the tickets dealt round the scanners (a
// party's tickets go to neighbouring lanes, as a group splits over the turnstiles), the scanners
// spread over the gates. Two kinds of duplicate are mixed in, spread over the scanners and the
// run, so that "exactly one entry a ticket" is tested, not assumed: one ticket in
// `duplicateEvery` is also shown at the next scanner's gate (another gate, most often on the other
// API process) at the same moment — both scanners wait for each other there (`meet`), then send —
// and one other in `duplicateEvery` is sent twice at once with the same nonce (a scanner retrying
// over a new connection, to the other API process, before the first answer came). The same plan
// is played by the plain HTTP client, the SDK and raw SQL, each on a check-in list of its own.
import type { DoorTicket } from './door-rush-setup.js';

/** A ticket's first showing, or the same ticket shown at a second gate at once. */
export type ScanKind = 'first' | 'second-gate';

export interface PlannedScan {
  ticketId: string;
  code: string;
  /** The scan's id on its list: the same nonce again is the same scan. */
  nonce: string;
  kind: ScanKind;
  /** Sent twice at once with this nonce. */
  retried: boolean;
  /** A ticket at two gates: both its scans carry this, and are sent when both scanners are there. */
  meet?: string;
}

export interface ScannerPlan {
  gate: string;
  scans: PlannedScan[];
}

export interface PlanOptions {
  scanners: number;
  gates: number;
  /** One ticket in this many also at a second gate, another retried; 0 for none. */
  duplicateEvery: number;
}

/** What a plan holds, for its checks and report. */
export interface PlanSummary {
  tickets: number;
  secondGate: number;
  retried: number;
  /** Requests sent: every scan, a retried one twice. */
  requests: number;
  /** Distinct nonces: the scans the list keeps an answer for. */
  nonces: number;
}

const gateOf = (scanner: number, gates: number) => `Gate ${(scanner % gates) + 1}`;

/**
 * Each scanner's queue, in the order it scans: its tickets in turn, a ticket it shows at once
 * with another scanner just before its own ticket of the same turn. So every scanner meets the
 * others in turn order (none waits for a scanner that waits for it) and at about the turn it
 * would have reached anyway.
 */
export function planDoorRush(tickets: readonly DoorTicket[], options: PlanOptions): ScannerPlan[] {
  const { scanners, gates, duplicateEvery: every } = options;
  if (scanners < 2 || gates < 2 || gates > scanners) {
    throw new Error(`door rush: ${scanners} scanners over ${gates} gates (2 or more of each)`);
  }
  const queues: { turn: number; scan: PlannedScan }[][] = Array.from(
    { length: scanners },
    () => [],
  );
  for (const [i, ticket] of tickets.entries()) {
    const scanner = i % scanners;
    const turn = Math.floor(i / scanners);
    const nonce = `door-${String(i).padStart(6, '0')}`;
    // One in `every`, spread over the scanners and the turns (i alone would pick one scanner).
    const pick = every > 0 ? (i + turn) % every : -1;
    const twice = pick === 0;
    queues[scanner]?.push({
      turn,
      scan: {
        ticketId: ticket.id,
        code: ticket.code,
        nonce,
        kind: 'first',
        retried: pick === Math.floor(every / 2),
        ...(twice && { meet: nonce }),
      },
    });
    if (twice) {
      let other = (scanner + 1) % scanners;
      while (gateOf(other, gates) === gateOf(scanner, gates)) other = (other + 1) % scanners;
      queues[other]?.push({
        turn: turn - 0.5,
        scan: {
          ticketId: ticket.id,
          code: ticket.code,
          nonce: `${nonce}-again`,
          kind: 'second-gate',
          retried: false,
          meet: nonce,
        },
      });
    }
  }
  return queues.map((queue, s) => ({
    gate: gateOf(s, gates),
    scans: queue.sort((a, b) => a.turn - b.turn).map((q) => q.scan),
  }));
}

export function summarize(plans: readonly ScannerPlan[]): PlanSummary {
  const scans = plans.flatMap((p) => p.scans);
  const retried = scans.filter((s) => s.retried).length;
  return {
    tickets: scans.filter((s) => s.kind === 'first').length,
    secondGate: scans.filter((s) => s.kind === 'second-gate').length,
    retried,
    requests: scans.length + retried,
    nonces: scans.length,
  };
}

/**
 * Every request of the plan as one line of scans: place by place across the scanners (the first
 * scan of each, then the second of each…), a retried scan twice in a row and a ticket shown at
 * two gates with its other showing right after, so what the scanners send at the same moment is
 * next to each other (pgbench's clients take neighbours at about the same time).
 */
export function interleave(plans: readonly ScannerPlan[]): (PlannedScan & { gate: string })[] {
  const partners = new Map<string, (PlannedScan & { gate: string })[]>();
  for (const plan of plans) {
    for (const scan of plan.scans) {
      if (scan.meet)
        partners.set(scan.meet, [...(partners.get(scan.meet) ?? []), { ...scan, gate: plan.gate }]);
    }
  }
  const longest = Math.max(0, ...plans.map((p) => p.scans.length));
  const line: (PlannedScan & { gate: string })[] = [];
  for (let place = 0; place < longest; place++) {
    for (const plan of plans) {
      const scan = plan.scans[place];
      if (!scan) continue;
      if (scan.meet) {
        // Both showings when the first of them comes up.
        line.push(...(partners.get(scan.meet) ?? []));
        partners.delete(scan.meet);
        continue;
      }
      line.push({ ...scan, gate: plan.gate });
      if (scan.retried) line.push({ ...scan, gate: plan.gate });
    }
  }
  return line;
}

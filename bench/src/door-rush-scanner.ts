// How a scanner of the door rush works its queue (door-rush-plan.ts), whatever carries its calls
// (the plain HTTP driver or the SDK): one `checkin.redeem` in flight at a time, the next ticket
// as soon as the last is answered — except a retried scan, sent twice at once with one nonce
// (the second over its other connection), and a ticket two scanners show at once, sent when both
// are there. Every answer is recorded with when it was sent and when it came, on the wall clock.
import { performance } from 'node:perf_hooks';
import type { PlannedScan, ScanKind, ScannerPlan } from './door-rush-plan.js';

/** What one `checkin.redeem` came to. */
export interface ScanAnswer {
  /** The answer's `result`, or what went wrong without one (`HTTP 502`, an appCode, `network: …`). */
  result: string;
  /** The ticket the answer names. */
  ticketId?: string;
}

export interface ScanRecord extends ScanAnswer {
  scanner: number;
  nonce: string;
  /** The ticket the code shown was. */
  shownTicketId: string;
  /** A retried scan's second request is `retry`. */
  kind: ScanKind | 'retry';
  /** Wall-clock ms, fractional. */
  sentAtMs: number;
  answeredAtMs: number;
}

export interface ScanRun {
  records: ScanRecord[];
  /** The first request's send and the last answer's arrival, wall-clock ms. */
  startedAtMs: number;
  endedAtMs: number;
  /** Tickets at two gates whose other scanner did not come within MEET_TIMEOUT_MS. */
  missedMeetings: number;
}

/** The wall clock with performance.now()'s resolution. */
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * Where two scanners show one ticket at once: the first to arrive waits for the other (at most
 * MEET_TIMEOUT_MS: the plan never has two scanners wait for each other, but a stuck one must not
 * hang the rush). Scanners drift apart by seconds over a run on a busy machine (5 s was too short
 * for a dozen of 200 meetings in a 20,000-ticket rush): the meetings wait for them.
 */
export const MEET_TIMEOUT_MS = 30_000;

function meetingPoint() {
  const waiting = new Map<string, () => void>();
  /** Meetings the first scanner gave up on: the other goes straight on when it comes. */
  const givenUp = new Set<string>();
  const point = { missed: 0, meet };
  async function meet(key: string): Promise<void> {
    const other = waiting.get(key);
    if (other || givenUp.delete(key)) {
      waiting.delete(key);
      other?.();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(key);
        givenUp.add(key);
        point.missed += 1;
        resolve();
      }, MEET_TIMEOUT_MS);
      waiting.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  return point;
}

/**
 * Every scanner works its queue at once; resolves when the last is done. `send(scanner, scan,
 * retry)` makes one request (`retry`: the retried scan's second, on the scanner's other
 * connection) and answers what came back, never throwing.
 */
export async function runScanners(
  plans: readonly ScannerPlan[],
  send: (scanner: number, scan: PlannedScan, retry: boolean) => Promise<ScanAnswer>,
): Promise<ScanRun> {
  const records: ScanRecord[] = [];
  const timed = async (scanner: number, scan: PlannedScan, retry: boolean) => {
    const sentAtMs = wallNow();
    const answer = await send(scanner, scan, retry);
    records.push({
      ...answer,
      scanner,
      nonce: scan.nonce,
      shownTicketId: scan.ticketId,
      kind: retry ? 'retry' : scan.kind,
      sentAtMs,
      answeredAtMs: wallNow(),
    });
  };
  const meetings = meetingPoint();
  const startedAtMs = wallNow();
  await Promise.all(
    plans.map(async (plan, scanner) => {
      for (const scan of plan.scans) {
        if (scan.meet) await meetings.meet(scan.meet);
        if (scan.retried) {
          await Promise.all([timed(scanner, scan, false), timed(scanner, scan, true)]);
        } else {
          await timed(scanner, scan, false);
        }
      }
    }),
  );
  return { records, startedAtMs, endedAtMs: wallNow(), missedMeetings: meetings.missed };
}

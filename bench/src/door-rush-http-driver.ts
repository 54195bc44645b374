// The door rush's plain HTTP client, run as a process of its own by door-rush-scans.ts (so its
// CPU is not the measuring process's): per scanner, one keep-alive node:http socket to its API
// process and one to the other (for a retry), POSTing `checkin.redeem` the way tRPC v11 sends an
// unbatched mutation — POST /trpc/checkin.redeem, the input as the JSON body, the scanner's
// bearer. Reads its job (DoorDriverJob) as JSON on stdin; prints the ScanRun as its one line.
import { Agent } from 'node:http';
import { text } from 'node:stream/consumers';
import type { PlannedScan, ScannerPlan } from './door-rush-plan.js';
import { runScanners, type ScanAnswer } from './door-rush-scanner.js';
import { post } from './driver-process.js';

export interface DoorScanner {
  /** Its API process, and the other one (where its retries go). */
  url: string;
  retryUrl: string;
  accessToken: string;
}

export interface DoorDriverJob {
  listId: string;
  scanners: DoorScanner[];
  plans: ScannerPlan[];
}

function isJob(value: unknown): value is DoorDriverJob {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<DoorDriverJob>;
  return (
    typeof v.listId === 'string' &&
    Array.isArray(v.scanners) &&
    Array.isArray(v.plans) &&
    v.plans.length === v.scanners.length
  );
}

interface RedeemAnswer {
  result?: { data?: { result?: unknown; ticket?: { id?: unknown } } };
  error?: { data?: { appCode?: unknown } };
}

/** The answer's result and ticket, or what the refusal or failure was. */
function answerOf(status: number, body: string): ScanAnswer {
  let parsed: RedeemAnswer;
  try {
    parsed = JSON.parse(body) as RedeemAnswer;
  } catch {
    return { result: `HTTP ${status} (not JSON)` };
  }
  const data = parsed.result?.data;
  if (status >= 200 && status < 300 && typeof data?.result === 'string') {
    const ticketId = data.ticket?.id;
    return { result: data.result, ...(typeof ticketId === 'string' && { ticketId }) };
  }
  const code = parsed.error?.data?.appCode;
  return { result: typeof code === 'string' ? `${code} (HTTP ${status})` : `HTTP ${status}` };
}

async function drive(job: DoorDriverJob) {
  const connections = job.scanners.map((scanner) => ({
    scanner,
    main: new Agent({ keepAlive: true, maxSockets: 1 }),
    spare: new Agent({ keepAlive: true, maxSockets: 1 }),
    url: new URL('/trpc/checkin.redeem', scanner.url),
    retryUrl: new URL('/trpc/checkin.redeem', scanner.retryUrl),
  }));
  const send = async (index: number, scan: PlannedScan, retry: boolean): Promise<ScanAnswer> => {
    const c = connections[index];
    const gate = job.plans[index]?.gate;
    if (!c || !gate) throw new Error(`no scanner ${index}`);
    const input = { listId: job.listId, code: scan.code, nonce: scan.nonce, gate };
    try {
      const answer = await post(
        retry ? c.spare : c.main,
        retry ? c.retryUrl : c.url,
        c.scanner.accessToken,
        JSON.stringify(input),
      );
      return answerOf(answer.status, answer.body);
    } catch (error) {
      return { result: `network: ${error instanceof Error ? error.message.slice(0, 40) : error}` };
    }
  };
  const run = await runScanners(job.plans, send);
  for (const c of connections) {
    c.main.destroy();
    c.spare.destroy();
  }
  return run;
}

const job: unknown = JSON.parse(await text(process.stdin));
if (!isJob(job)) throw new Error('door-rush-http-driver: malformed job on stdin');
process.stdout.write(`${JSON.stringify(await drive(job))}\n`);

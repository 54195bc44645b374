import { fileURLToPath } from 'node:url';
import { type EventlyClient, TRPCClientError } from '@evently/sdk';
import type { DoorDriverJob } from './door-rush-http-driver.js';
import type { ScannerPlan } from './door-rush-plan.js';
import { runScanners, type ScanAnswer, type ScanRun } from './door-rush-scanner.js';
import { startDriver } from './driver-process.js';

// The door rush played through each client: the plain HTTP driver in a process of its own, or
// SDK clients in this one (one per scanner and API process, as a scanner app holds one).

const DRIVER = fileURLToPath(new URL('./door-rush-http-driver.ts', import.meta.url));

/** The plans scanned on `job.listId` by the plain HTTP driver. */
export async function runHttpScans(job: DoorDriverJob): Promise<ScanRun> {
  const { child, exited, stderr } = startDriver(DRIVER);
  const output: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d));
  child.stdin.end(JSON.stringify(job));
  const [code] = (await exited) as [number | null];
  const last = Buffer.concat(output).toString('utf8').trim().split('\n').at(-1);
  if (code !== 0 || !last)
    throw new Error(`door rush HTTP driver exited with ${code}:\n${stderr()}`);
  return JSON.parse(last) as ScanRun;
}

/** A scanner through the SDK: a client on its API process, and one on the other for retries. */
export interface SdkScanner {
  client: EventlyClient;
  retryClient: EventlyClient;
}

function failureOf(error: unknown): ScanAnswer {
  if (!(error instanceof TRPCClientError)) {
    return { result: error instanceof Error ? `no answer: ${error.name}` : 'no answer' };
  }
  const data = error.data as { appCode?: unknown } | undefined;
  return {
    result:
      typeof data?.appCode === 'string' ? data.appCode : `tRPC: ${error.message.slice(0, 40)}`,
  };
}

/** The plans scanned on `listId` through the SDK. */
export function runSdkScans(
  scanners: readonly SdkScanner[],
  plans: readonly ScannerPlan[],
  listId: string,
): Promise<ScanRun> {
  return runScanners(plans, async (index, scan, retry) => {
    const scanner = scanners[index];
    const gate = plans[index]?.gate;
    if (!scanner || !gate) throw new Error(`no scanner ${index}`);
    try {
      const answer = await (retry ? scanner.retryClient : scanner.client).checkin.redeem.mutate({
        listId,
        code: scan.code,
        nonce: scan.nonce,
        gate,
      });
      return { result: answer.result, ...(answer.ticket && { ticketId: answer.ticket.id }) };
    } catch (error) {
      return failureOf(error);
    }
  });
}

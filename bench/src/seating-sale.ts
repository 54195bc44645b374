// The seated flash sale's two clients: the plain HTTP driver in a process of its own
// (seating-http-driver.ts), and the SDK in this process; both run the same buyers
// (seated-buyer.ts), one per signed-in user.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TRPCClientError } from '@evently/sdk';
import type { BenchUser } from './hot-event-setup.js';
import { type BuyerOptions, runBuyers, type SaleRun, type SeatedAnswer } from './seated-buyer.js';
import type { SeatingDriverJob } from './seating-http-driver.js';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
const DRIVER = fileURLToPath(new URL('./seating-http-driver.ts', import.meta.url));

export interface SaleTarget {
  eventId: string;
  ticketTypeId: string;
}

/** The users buy `target`'s seats until sold out, through the plain HTTP driver. */
export async function runHttpSale(
  users: Pick<BenchUser, 'url' | 'accessToken'>[],
  target: SaleTarget,
  buyer: BuyerOptions,
): Promise<SaleRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', DRIVER], {
    // tsx resolves from the bench package.
    cwd: BENCH_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  const exited = once(child, 'exit');
  const job: SeatingDriverJob = {
    users: users.map((u) => ({ url: u.url, accessToken: u.accessToken })),
    ...target,
    buyer,
  };
  child.stdin.end(JSON.stringify(job));
  let result: SaleRun | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const message = JSON.parse(line) as { type: string } & SaleRun;
    if (message.type === 'result') {
      const { type: _, ...run } = message;
      result = run;
    }
  }
  const [code] = (await exited) as [number | null];
  if (code !== 0 || !result) throw new Error(`seating HTTP driver exited with ${code}:\n${stderr}`);
  return result;
}

function refusalOf(error: unknown): SeatedAnswer {
  if (!(error instanceof TRPCClientError)) {
    return { answer: error instanceof Error ? `no answer: ${error.name}` : 'no answer' };
  }
  const data = error.data as
    | { appCode?: unknown; details?: { available?: unknown } | undefined }
    | undefined;
  const available = data?.details?.available;
  return {
    answer:
      typeof data?.appCode === 'string' ? data.appCode : `tRPC: ${error.message.slice(0, 40)}`,
    ...(typeof available === 'number' && { available }),
  };
}

/** The users buy `target`'s seats until sold out, each through its SDK client. */
export function runSdkSale(
  users: Pick<BenchUser, 'client'>[],
  target: SaleTarget,
  buyer: BuyerOptions,
): Promise<SaleRun> {
  return runBuyers(
    users.length,
    async (index, group) => {
      const user = users[index];
      if (!user) throw new Error(`no buyer ${index}`);
      try {
        const booking = await user.client.bookings.create.mutate({
          eventId: target.eventId,
          items: [{ ticketTypeId: target.ticketTypeId, ...group }],
        });
        return {
          answer: 'booked',
          bookingId: booking.id,
          seatIds: booking.items.flatMap((i) => (i.seats ?? []).map((s) => s.seatId)),
        };
      } catch (error) {
        return refusalOf(error);
      }
    },
    buyer,
  );
}

import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TRPCClientError } from '@evently/sdk';
import { startDriver } from './driver-process.js';
import type { BenchUser } from './hot-event-setup.js';
import { type BuyerOptions, runBuyers, type SaleRun, type SeatedAnswer } from './seated-buyer.js';
import type { SeatingDriverJob } from './seating-http-driver.js';

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
  const { child, exited, stderr } = startDriver(DRIVER);
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
  if (code !== 0 || !result)
    throw new Error(`seating HTTP driver exited with ${code}:\n${stderr()}`);
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

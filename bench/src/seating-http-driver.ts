// The seated flash sale's plain HTTP client, run as a process of its own by seating-sale.ts (so
// its CPU is not the measuring process's): one keep-alive node:http socket per signed-in user,
// each a buyer (seated-buyer.ts) POSTing `bookings.create` the way tRPC v11 sends an unbatched
// mutation — POST /trpc/bookings.create, the input as the JSON body, the user's bearer, an
// idempotency key of its own as the SDK sends. Reads its job (SeatingDriverJob) as JSON on stdin;
// prints `{"type":"start"}` as the sale opens and `{"type":"result", ...SaleRun}` as the last line.
import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { text } from 'node:stream/consumers';
import { post } from './driver-process.js';
import { type BuyerOptions, type GroupAsk, runBuyers, type SeatedAnswer } from './seated-buyer.js';

export interface SeatingDriverJob {
  users: { url: string; accessToken: string }[];
  eventId: string;
  ticketTypeId: string;
  buyer: BuyerOptions;
}

function isJob(value: unknown): value is SeatingDriverJob {
  if (!value || typeof value !== 'object') return false;
  const v = value as Partial<SeatingDriverJob>;
  return (
    Array.isArray(v.users) &&
    typeof v.eventId === 'string' &&
    typeof v.ticketTypeId === 'string' &&
    typeof v.buyer?.maxGroup === 'number'
  );
}

interface TrpcAnswer {
  result?: { data?: { id?: unknown; items?: { seats?: { seatId?: unknown }[] }[] } };
  error?: { data?: { appCode?: unknown; details?: { available?: unknown } } };
}

/** A booking with its seats, or the refusal's appCode (and SOLD_OUT's `available`). */
function answerOf(status: number, body: string): SeatedAnswer {
  let parsed: TrpcAnswer;
  try {
    parsed = JSON.parse(body) as TrpcAnswer;
  } catch {
    return { answer: `HTTP ${status} (not JSON)` };
  }
  const data = parsed.result?.data;
  if (status >= 200 && status < 300) {
    if (typeof data?.id !== 'string') return { answer: `HTTP ${status} without a booking` };
    const seatIds = (data.items ?? []).flatMap((i) =>
      (i.seats ?? []).flatMap((s) => (typeof s.seatId === 'string' ? [s.seatId] : [])),
    );
    return { answer: 'booked', bookingId: data.id, seatIds };
  }
  const code = parsed.error?.data?.appCode;
  const available = parsed.error?.data?.details?.available;
  return {
    answer: typeof code === 'string' ? code : `HTTP ${status}`,
    ...(typeof available === 'number' && { available }),
  };
}

async function drive(job: SeatingDriverJob) {
  const sockets = job.users.map((user) => ({
    user,
    // One socket per user, kept alive: a connection is a buyer, as with the SDK clients.
    agent: new Agent({ keepAlive: true, maxSockets: 1 }),
    url: new URL('/trpc/bookings.create', user.url),
  }));
  const ask = async (buyer: number, group: GroupAsk): Promise<SeatedAnswer> => {
    const socket = sockets[buyer];
    if (!socket) throw new Error(`no buyer ${buyer}`);
    const input = {
      eventId: job.eventId,
      items: [{ ticketTypeId: job.ticketTypeId, ...group }],
      idempotencyKey: randomUUID(),
    };
    try {
      const answer = await post(
        socket.agent,
        socket.url,
        socket.user.accessToken,
        JSON.stringify(input),
      );
      return answerOf(answer.status, answer.body);
    } catch (error) {
      return { answer: `network: ${error instanceof Error ? error.message.slice(0, 40) : error}` };
    }
  };
  process.stdout.write(`${JSON.stringify({ type: 'start' })}\n`);
  const run = await runBuyers(job.users.length, ask, job.buyer);
  for (const s of sockets) s.agent.destroy();
  return run;
}

const job: unknown = JSON.parse(await text(process.stdin));
if (!isJob(job)) throw new Error('seating-http-driver: malformed job on stdin');
process.stdout.write(`${JSON.stringify({ type: 'result', ...(await drive(job)) })}\n`);

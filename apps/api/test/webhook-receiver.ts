import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, as it arrived. */
export interface ReceivedWebhook {
  /** The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers. */
  id: string;
  timestamp: string;
  signature: string;
  headers: IncomingHttpHeaders;
  /** The raw body (what the signature is over). */
  body: string;
  /** The status it was answered with. */
  status: number;
  /** Its type, read from the body. */
  type: string;
}

/** What to answer the n-th request (from 1) for `received`; default 204. */
export type Answer = (received: Omit<ReceivedWebhook, 'status'>, n: number) => number;

export interface WebhookReceiver {
  url: string;
  /** Every request in arrival order (recorded when answered). */
  readonly received: ReceivedWebhook[];
  /** Requests read but not answered yet (an attempt in flight). */
  readonly inFlight: number;
  answer(answer: Answer): void;
  /** Resolves once `check` holds of the requests received (polling: generous by default). */
  until(check: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const value = headers[name];
  return typeof value === 'string' ? value : '';
};

/** A real HTTP receiver on 127.0.0.1 (the test app allows private networks for it). */
export async function startWebhookReceiver(
  options: { delayMs?: number } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let answer: Answer = () => 204;
  let inFlight = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      inFlight += 1;
      // A slow receiver keeps attempts in flight (for a worker to be killed in the middle of one).
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      inFlight -= 1;
      const body = Buffer.concat(chunks).toString('utf8');
      let type = '';
      try {
        type = String((JSON.parse(body) as { type?: unknown }).type);
      } catch {
        type = 'not json';
      }
      const request = {
        id: header(req.headers, 'webhook-id'),
        timestamp: header(req.headers, 'webhook-timestamp'),
        signature: header(req.headers, 'webhook-signature'),
        headers: req.headers,
        body,
        type,
      };
      const status = answer(request, received.length + 1);
      received.push({ ...request, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/evently`,
    received,
    get inFlight() {
      return inFlight;
    },
    answer(next) {
      answer = next;
    },
    async until(check, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check(received)) {
        if (Date.now() > deadline) {
          const seen = received.map((r) => `${r.type} ${r.status}`);
          throw new Error(`receiver: not reached in ${timeoutMs} ms; got ${JSON.stringify(seen)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookTarget } from './webhook-address-guard.js';

/** What one POST got: the receiver's status, or why there was none. */
export type PostOutcome = { statusCode: number } | { error: string };

/** How much of a receiver's answer is read (and thrown away) before the socket is closed. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * A lookup that answers only the checked address: the socket connects where the guard looked,
 * whatever DNS says by now (Node asks for every address when it races IPv4 and IPv6).
 */
function pinnedLookup(target: WebhookTarget): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function drain(response: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    response.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > MAX_ANSWER_BYTES) response.destroy();
    });
    response.on('end', resolve);
    response.on('close', resolve);
    response.on('error', () => resolve());
  });
}

/**
 * POSTs a delivery's body to its checked address, with its headers, on a connection of its own
 * (no pool: a kept socket would skip the next attempt's check). Redirects are not followed: a
 * 3xx is an answer like any other non-2xx (and following one would go where nobody checked).
 * Gives up after `timeoutMs` (API.md: 10 s), whatever part is slow.
 */
export function postWebhook(
  target: WebhookTarget,
  delivery: { headers: Record<string, string>; body: string },
  timeoutMs: number,
): Promise<PostOutcome> {
  const body = Buffer.from(delivery.body, 'utf8');
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = send(
      target.url,
      {
        method: 'POST',
        agent: false,
        lookup: pinnedLookup(target),
        headers: {
          ...delivery.headers,
          'content-type': 'application/json',
          'content-length': String(body.length),
          'user-agent': 'Evently-Webhooks/1',
        },
      },
      (response) => {
        void drain(response).then(() => {
          finish({ statusCode: response.statusCode ?? 0 });
          req.destroy();
        });
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${timeoutMs / 1_000} s` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error) => finish({ error: error.message }));
    req.end(body);
  });
}

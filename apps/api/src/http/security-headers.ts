import { IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets, worked out once by running its middleware on a response that is
 * never sent. They depend only on the options (no nonces: the API serves no HTML, so no CSP),
 * and sending them from one object through Fastify's reply costs a fraction of either way of
 * running helmet per request: @fastify/helmet builds the middleware anew for every request, and
 * headers set on the raw response push Node's writeHead onto its slow path (every header then
 * validated and copied again). Together about 15-20 µs of CPU a request: as much as the rest of
 * a read answered from memory (docs/performance.md).
 */
export function securityHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  helmet(options)(request, response, () => undefined);
  const set: OutgoingHttpHeaders = response.getHeaders();
  return Object.fromEntries(
    Object.entries(set).map(([name, value]) => [
      name,
      Array.isArray(value) ? value.join(', ') : String(value),
    ]),
  );
}

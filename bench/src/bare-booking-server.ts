// The least an HTTP booking API can do, run as a process of its own by bare-route.ts: a bare
// node:http server that reads each POST's JSON body, parses it, and answers 200 with a confirmed
// booking in tRPC's envelope — no authentication, validation, database or Redis. Its CPU per
// request is the floor under any API tier driven by the same client. Prints its port.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { eventId?: string };
    const now = new Date().toISOString();
    const body = JSON.stringify({
      result: {
        data: {
          id: randomUUID(),
          eventId: input.eventId,
          userId: randomUUID(),
          quantity: 1,
          status: 'confirmed',
          totalCents: 0,
          currency: 'EUR',
          expiresAt: null,
          createdAt: now,
          updatedAt: now,
          version: 1,
        },
      },
    });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`${address.port}\n`);
});

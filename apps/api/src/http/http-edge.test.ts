import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedServer, startEmbeddedServer } from '../../test/embedded-server.js';
import { headerValues, type RawResponse, rawHttp, unchunk } from '../../test/raw-http.js';

// What the HTTP edge answers before, around and beside tRPC, read off the socket: a proxy sees
// these bytes, not what a client library makes of them.

const SECRET = 'hunter2-correct-horse';

interface Envelope {
  error: { message: string; data: { appCode: string; httpStatus: number; code: string } };
}

function envelopeOf(response: RawResponse): Envelope {
  const chunked = headerValues(response, 'transfer-encoding').includes('chunked');
  return JSON.parse(chunked ? unchunk(response.rawBody) : response.rawBody) as Envelope;
}

const request = (lines: string[], body = '') =>
  `${[...lines, 'Host: localhost', 'Connection: close'].join('\r\n')}\r\n\r\n${body}`;

describe('HTTP edge', () => {
  let api: EmbeddedServer;
  beforeAll(async () => {
    api = await startEmbeddedServer();
  });
  afterAll(async () => api?.stop());

  /** Error-level lines, and lines quoting `text` anywhere. */
  const errorsAndLeaks = (text: string) => ({
    errors: api.lines().filter((line) => Number(line.level) >= 50),
    leaks: api.lines().filter((line) => JSON.stringify(line).includes(text)),
  });

  it('streams a JSONL batch with Transfer-Encoding only, never beside a Content-Length', async () => {
    const input = encodeURIComponent(JSON.stringify({}));
    const response = await rawHttp(
      api.port,
      request([
        `GET /trpc/system.info,system.info?batch=1&input=${input} HTTP/1.1`,
        'trpc-accept: application/jsonl',
      ]),
    );
    expect(response.status).toBe(200);
    expect(headerValues(response, 'transfer-encoding')).toEqual(['chunked']);
    expect(headerValues(response, 'content-length')).toEqual([]);
    const lines = unchunk(response.rawBody).trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.join('\n')).toContain('evently-api');
  });

  it('sends a plain answer whole: Content-Length, no Transfer-Encoding', async () => {
    const response = await rawHttp(api.port, request(['GET /trpc/system.info HTTP/1.1']));
    expect(response.status).toBe(200);
    expect(headerValues(response, 'transfer-encoding')).toEqual([]);
    expect(headerValues(response, 'content-length')).toEqual([`${response.rawBody.length}`]);
  });

  it('answers malformed JSON with VALIDATION_FAILED 400, and neither answer nor log quotes the body', async () => {
    for (const body of [`{"email":"a@example.com","password":"${SECRET}"`, `password=${SECRET}`]) {
      const response = await rawHttp(
        api.port,
        request(
          [
            'POST /trpc/auth.login HTTP/1.1',
            'Content-Type: application/json',
            `Content-Length: ${body.length}`,
          ],
          body,
        ),
      );
      expect(response.status).toBe(400);
      expect(envelopeOf(response).error.data.appCode).toBe('VALIDATION_FAILED');
      expect(response.rawBody).not.toContain(SECRET);
    }
    const query = encodeURIComponent(`{"q":"${SECRET}`);
    const get = await rawHttp(api.port, request([`GET /trpc/events.list?input=${query} HTTP/1.1`]));
    expect(get.status).toBe(400);
    expect(envelopeOf(get).error.data.appCode).toBe('VALIDATION_FAILED');
    expect(get.rawBody).not.toContain(SECRET);
    expect(errorsAndLeaks(SECRET)).toEqual({ errors: [], leaks: [] });
  });

  it('gives 413, 414, 415 and 431 a typed appCode, echoing nothing of the request', async () => {
    const big = 'x'.repeat(1_100_000);
    const tooLarge = await rawHttp(
      api.port,
      request(
        [
          'POST /trpc/auth.login HTTP/1.1',
          'Content-Type: application/json',
          `Content-Length: ${big.length}`,
        ],
        big,
      ),
    );
    // Logged lines keep the path, cut at 1 KB: the end of this one never reaches a log.
    const longPath = `${'a'.repeat(6_000)}${SECRET}`;
    const tooLong = await rawHttp(api.port, request([`GET /trpc/${longPath} HTTP/1.1`]));
    const wrongType = await rawHttp(
      api.port,
      request(
        ['POST /trpc/auth.login HTTP/1.1', 'Content-Type: text/plain', `Content-Length: 17`],
        SECRET.slice(0, 17),
      ),
    );
    const bigHeaders = await rawHttp(
      api.port,
      request(['GET /health HTTP/1.1', `Authorization: Bearer ${SECRET}${'y'.repeat(20_000)}`]),
    );
    const answers = { 413: tooLarge, 414: tooLong, 415: wrongType, 431: bigHeaders };
    for (const [status, response] of Object.entries(answers)) {
      expect(response.status, status).toBe(Number(status));
      const envelope = envelopeOf(response);
      expect(envelope.error.data, status).toMatchObject({
        appCode: 'VALIDATION_FAILED',
        httpStatus: Number(status),
      });
      expect(response.rawBody, status).not.toContain(SECRET);
      expect(response.rawBody, status).not.toContain('aaaaaaaa');
    }
    expect(errorsAndLeaks(SECRET)).toEqual({ errors: [], leaks: [] });
  });

  it('answers an unknown route NOT_FOUND without echoing its URL', async () => {
    const response = await rawHttp(
      api.port,
      request([`GET /nothing/here-it-is?token=${SECRET} HTTP/1.1`]),
    );
    expect(response.status).toBe(404);
    expect(envelopeOf(response).error.data.appCode).toBe('NOT_FOUND');
    expect(response.rawBody).not.toMatch(/here-it-is|token/);
    expect(errorsAndLeaks(SECRET)).toEqual({ errors: [], leaks: [] });
  });

  it('logs request lines with the path only, never the query', async () => {
    const input = encodeURIComponent(JSON.stringify({ q: SECRET }));
    const response = await rawHttp(
      api.port,
      request([`GET /trpc/events.list?input=${input} HTTP/1.1`, 'x-request-id: path-only-1']),
    );
    expect(response.status).toBe(200);
    const lines = api.lines().filter((line) => line.requestId === 'path-only-1');
    expect(lines.map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    expect(lines[0]?.req).toMatchObject({ method: 'GET', path: '/trpc/events.list' });
    expect(errorsAndLeaks(SECRET).leaks).toEqual([]);
  });
});

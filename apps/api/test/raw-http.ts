import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  /** Every header line as sent, names lower-cased, in order (repeats kept). */
  headers: [string, string][];
  /** The body as sent on the wire (still chunk-framed if chunked). */
  rawBody: string;
}

/**
 * Sends `request` as bytes on a fresh socket and reads until the server closes it: what a proxy
 * sees, before any client library normalises the framing. Send `Connection: close`.
 */
export function rawHttp(port: number, request: string, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split === -1) {
        reject(new Error(`no header end in: ${text.slice(0, 200)}`));
        return;
      }
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers: lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
        }),
        rawBody: text.slice(split + 4),
      });
    });
  });
}

/** The values of a header (all of its lines). */
export function headerValues(response: RawResponse, name: string): string[] {
  return response.headers.filter(([n]) => n === name).map(([, v]) => v);
}

/** A chunked body's payload (ASCII bodies: chunk sizes count bytes). */
export function unchunk(body: string): string {
  let rest = body;
  let out = '';
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

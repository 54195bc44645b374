import type { FetchInitLike, FetchLike, FetchResponseLike } from '@evently/sdk';

/** One HTTP request the SDK made, as it went out and as it came back. */
export interface RecordedRequest {
  url: string;
  /** The procedures in it (a batch holds several), e.g. ['auth.refresh', 'auth.me']. */
  procedures: string[];
  headers: Record<string, string>;
  body: string | undefined;
  status: number | undefined;
  /** The X-Request-Id the server answered with. */
  echoedRequestId: string | null | undefined;
}

export interface RecordingFetch {
  fetch: FetchLike;
  requests: RecordedRequest[];
  /** How many requests carried `procedure`. */
  count(procedure: string): number;
  /**
   * The next request carrying `procedure` reaches the server and is answered, and then the
   * client sees a network failure (fetch's TypeError), as when a connection drops just before
   * the answer arrives.
   */
  loseNextAnswer(procedure: string): void;
  /** Requests carrying `procedure` wait this long before they are sent. */
  delay(procedure: string, ms: number): void;
}

/** Wraps the global fetch and records every request the SDK makes through it. */
export function recordingFetch(): RecordingFetch {
  const requests: RecordedRequest[] = [];
  const lose = new Set<string>();
  const delays = new Map<string, number>();
  const fetchImpl: FetchLike = async (url: string, init: FetchInitLike) => {
    const path = new URL(url).pathname.replace(/^\/trpc\//, '');
    const record: RecordedRequest = {
      url,
      procedures: path.split(','),
      headers: { ...init.headers },
      body: init.body,
      status: undefined,
      echoedRequestId: undefined,
    };
    requests.push(record);
    const wait = Math.max(0, ...record.procedures.map((p) => delays.get(p) ?? 0));
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const response: FetchResponseLike = await fetch(url, init);
    record.status = response.status;
    record.echoedRequestId = response.headers.get('x-request-id');
    const lost = record.procedures.find((p) => lose.has(p));
    if (lost) {
      lose.delete(lost);
      await response.json();
      throw new TypeError('fetch failed');
    }
    return response;
  };
  return {
    fetch: fetchImpl,
    requests,
    count: (procedure) => requests.filter((r) => r.procedures.includes(procedure)).length,
    loseNextAnswer: (procedure) => void lose.add(procedure),
    delay: (procedure, ms) => void delays.set(procedure, ms),
  };
}

let clients = 0;
/**
 * Headers giving each SDK client an address of its own (the harness trusts loopback as a
 * proxy), so per-IP rate limits of one test never bite another.
 */
export function ownAddress(): () => Record<string, string> {
  clients += 1;
  const address = `10.200.${(clients >> 8) & 255}.${clients & 255}`;
  return () => ({ 'x-forwarded-for': address });
}

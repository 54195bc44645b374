import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface LoadOptions {
  connections?: number;
  seconds?: number;
  /** Sent with every request (e.g. a bearer token). */
  headers?: Record<string, string>;
  /** Per-request shapes (method, body, a setupRequest varying them), as autocannon takes them. */
  requests?: autocannon.Request[];
}

/** Drives one URL with autocannon on loopback; bounded in time, stops by itself. */
export async function load(
  name: string,
  url: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections ?? 50,
    duration: options.seconds ?? 5,
    ...(options.headers && { headers: options.headers }),
    ...(options.requests && { requests: options.requests }),
  });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export function printTable(title: string, rows: LoadResult[], baseline: string): void {
  const base = rows.find((r) => r.name === baseline);
  console.log(`\n${title}`);
  console.table(
    rows.map((r) => ({
      case: r.name,
      'req/s': r.requestsPerSecond,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      [`× ${baseline}`]: base ? (r.requestsPerSecond / base.requestsPerSecond).toFixed(2) : '-',
      errors: r.errors + r.non2xx,
    })),
  );
}

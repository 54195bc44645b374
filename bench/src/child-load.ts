// autocannon's CLI in a child process: the bench process then spends nothing on the load, so its
// CPU time is the server's alone (steadier on a shared machine than requests/s).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);
const autocannonCli = createRequire(import.meta.url).resolve('autocannon');

export interface ChildLoad {
  requests: number;
  failures: number;
  /** autocannon's latency percentiles (whole milliseconds). */
  p50Ms: number;
  p99Ms: number;
}

/** Drives one URL for `seconds` from a child process; its JSON report, checked. */
export async function loadFromChild(
  url: string,
  seconds: number,
  options: { connections?: number; headers?: Record<string, string> } = {},
): Promise<ChildLoad> {
  const headers = Object.entries(options.headers ?? {}).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  const args = [
    autocannonCli,
    '-j',
    '-c',
    String(options.connections ?? 50),
    '-d',
    String(seconds),
    ...headers,
    url,
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const report: unknown = JSON.parse(stdout);
  const field = (path: string[]) =>
    path.reduce<unknown>(
      (value, key) => (typeof value === 'object' && value ? Reflect.get(value, key) : undefined),
      report,
    );
  const [requests, non2xx, errors, p50Ms, p99Ms] = [
    ['requests', 'total'],
    ['non2xx'],
    ['errors'],
    ['latency', 'p50'],
    ['latency', 'p99'],
  ].map(field);
  if (
    typeof requests !== 'number' ||
    typeof non2xx !== 'number' ||
    typeof errors !== 'number' ||
    typeof p50Ms !== 'number' ||
    typeof p99Ms !== 'number'
  ) {
    throw new Error(`unexpected autocannon report: ${stdout.slice(0, 200)}`);
  }
  return { requests, failures: non2xx + errors, p50Ms, p99Ms };
}

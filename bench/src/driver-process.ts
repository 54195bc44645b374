import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

// What the plain-HTTP load drivers share: a driver script run as a process of its own (so its
// CPU is not the API's), and the one keep-alive POST it repeats.

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

/** A driver script (a path) started under tsx; `stderr()` is its last 4,000 characters. */
export function startDriver(script: string): {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<unknown[]>;
  stderr(): string;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    // tsx resolves from the bench package.
    cwd: BENCH_DIR,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4_000);
  });
  return { child, exited: once(child, 'exit'), stderr: () => stderr };
}

export interface Answer {
  status: number;
  body: string;
}

/** One JSON POST with a bearer token on a keep-alive agent: its status and body. */
export function post(agent: Agent, url: URL, token: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        agent,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

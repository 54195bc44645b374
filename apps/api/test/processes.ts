import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Runs a TypeScript entry in ONE process (the tsx CLI would add a parent that hides signals). */
export function nodeTs(entry: string, ...args: string[]): [string, string[]] {
  return [process.execPath, ['--import', 'tsx', entry, ...args]];
}

export interface Spawned {
  child: ChildProcess;
  /**
   * Signals the whole process group: SIGKILL to `pnpm` alone would orphan the server it runs
   * (the server would outlive the test and hold its database connections).
   */
  kill(signal: NodeJS.Signals): void;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** A child process with only the environment given (plus PATH/HOME), so nothing leaks in. */
export function spawnWith(command: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  const kill = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  return { child, kill, stdout: () => out, stderr: () => err, exited };
}

/** Polls a URL until it answers (any status), or fails after `timeoutMs`. */
export async function waitForHttp(
  url: string,
  proc: Spawned,
  timeoutMs = 60_000,
): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void proc.exited.then((c) => {
    exitCode = c;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(
        `process exited (${exitCode}) before ${url} answered:\n${proc.stdout()}\n${proc.stderr()}`,
      );
    }
    try {
      // One try may not hang the wait: whatever took the port may never answer.
      return await fetch(url, { signal: AbortSignal.timeout(10_000) });
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms:\n${proc.stdout()}\n${proc.stderr()}`);
}

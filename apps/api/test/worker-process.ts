import { setTimeout as sleep } from 'node:timers/promises';
import { type Spawned, spawnWith } from './processes.js';
import { TEST_TICKET_SIGNING_KEY } from './ticket-key.js';

/** `pnpm start:worker` in its own process group, to be SIGKILLed and started again. */
export interface WorkerProcess {
  /** Starts a worker (none may be running) and resolves once it says it runs. */
  start(): Promise<void>;
  /** SIGKILLs the worker's whole group (pnpm and node), like a crashed host, and waits for it. */
  kill(): Promise<void>;
  /** How many times a worker was started. */
  readonly starts: number;
  /** How the running worker ended, if it did on its own (undefined while it runs). */
  readonly exit: number | string | undefined;
  /** The output of every worker so far (for a failure's message). */
  output(): string;
}

const READY_LINE = 'Evently worker running';

export function workerProcess(env: Record<string, string>): WorkerProcess {
  let current: Spawned | undefined;
  let starts = 0;
  let exit: number | string | undefined;
  const logs: string[] = [];
  const output = () => [...logs, current ? current.stdout() + current.stderr() : ''].join('\n');

  return {
    get starts() {
      return starts;
    },
    get exit() {
      return exit;
    },
    output,
    async start() {
      if (current) throw new Error('a worker is running already');
      // Several files run side by side on one Postgres (max_connections 100).
      // The test key unless the test gives one: with NODE_ENV=production the worker needs it.
      const proc = spawnWith('pnpm', ['start:worker'], {
        DATABASE_POOL_SIZE: '6',
        TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY,
        ...env,
      });
      current = proc;
      starts += 1;
      exit = undefined;
      void proc.exited.then((code) => {
        if (current === proc) exit = code;
      });
      const deadline = Date.now() + 60_000;
      while (!proc.stdout().includes(READY_LINE)) {
        if (exit !== undefined || Date.now() > deadline) {
          throw new Error(`worker did not start (${exit ?? 'timeout'}):\n${output()}`);
        }
        await sleep(50);
      }
    },
    async kill() {
      const proc = current;
      if (!proc) return;
      current = undefined;
      proc.kill('SIGKILL');
      await proc.exited;
      logs.push(proc.stdout() + proc.stderr());
    },
  };
}

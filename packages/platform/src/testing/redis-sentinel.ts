import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, isRunning, killChild, onFreePorts, stopAll, waitUntil } from './redis-processes.js';
import { spawnRedis } from './redis-server.js';

/**
 * A throwaway Sentinel set-up for tests: a master, one replica and three sentinels (quorum 2)
 * on spare loopback ports, no persistence. The sentinels call the master down after 1 s.
 */
export interface RedisSentinel {
  /** `redis+sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/<name>` */
  readonly url: string;
  /** The port of the current master, as the sentinels see it. */
  masterPort(): Promise<number>;
  /** SIGKILL the server on `port`, like a crashed host. */
  kill(port: number): Promise<void>;
  /** Resolves once the sentinels name another master than `port` and it is a master. */
  waitForFailover(port: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const MASTER_NAME = 'evently';

export async function startRedisSentinel(): Promise<RedisSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'evently-redis-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const sentinelPorts: number[] = [];
  try {
    const started = (port: number) => async (child: Promise<ChildProcess>) => {
      children.set(port, await child);
      return port;
    };
    const master = await onFreePorts(1, ([port = 0]) => started(port)(spawnRedis(port)));
    const replica = await onFreePorts(1, ([port = 0]) =>
      started(port)(spawnRedis(port, { extraArgs: ['--replicaof', '127.0.0.1', String(master)] })),
    );
    await waitUntil(
      async () => (await cli(replica, 'INFO', 'replication')).includes('master_link_status:up'),
      60_000,
      'the replica to sync',
    );
    for (let i = 0; i < 3; i++) {
      const port = await onFreePorts(1, async ([port = 0]) => {
        const configFile = join(dir, `sentinel-${port}.conf`);
        // Sentinel rewrites its file (the replicas, the other sentinels, the current master).
        await writeFile(
          configFile,
          [
            `dir ${dir}`,
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
            `sentinel failover-timeout ${MASTER_NAME} 5000`,
            '',
          ].join('\n'),
        );
        return started(port)(
          spawnRedis(port, { configFile, extraArgs: ['--sentinel'], readyLine: '+monitor master' }),
        );
      });
      sentinelPorts.push(port);
    }
    // Every sentinel knows the replica and the other two, so any two can agree on a failover.
    await waitUntil(
      async () => {
        const views = await Promise.all(
          sentinelPorts.map((port) => cli(port, 'SENTINEL', 'MASTER', MASTER_NAME).catch(() => '')),
        );
        return views.every(
          (view) => /num-slaves\n1\n/.test(view) && /num-other-sentinels\n2\n/.test(view),
        );
      },
      60_000,
      'the sentinels to see the replica and each other',
    );
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }

  const masterPort = async () => {
    for (const port of sentinelPorts) {
      if (!isRunning(children.get(port))) continue;
      const answer = await cli(port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME).catch(
        () => '',
      );
      const found = Number(answer.split('\n')[1]);
      if (found > 0) return found;
    }
    throw new Error('no sentinel names a master');
  };

  return {
    url: `redis+sentinel://${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',')}/${MASTER_NAME}`,
    masterPort,
    async kill(port) {
      await killChild(children.get(port));
    },
    async waitForFailover(port, timeoutMs = 60_000) {
      await waitUntil(
        async () => {
          const current = await masterPort();
          if (current === port) return false;
          return (await cli(current, 'INFO', 'replication').catch(() => '')).includes(
            'role:master',
          );
        },
        timeoutMs,
        `the sentinels to promote a replica of 127.0.0.1:${port}`,
      );
    },
    stop: () => stopAll(children, dir),
  };
}

import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cli,
  isRunning,
  killChild,
  onFreePorts,
  redisCli,
  stopAll,
  waitUntil,
} from './redis-processes.js';
import { spawnRedis } from './redis-server.js';

/**
 * A throwaway Redis Cluster for tests: 3 masters and 3 replicas on spare loopback ports (never
 * the shared Redis), no persistence, cluster-node-timeout 2 s so a replica takes over a killed
 * master within seconds.
 */
export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:p1,…` — every node as a seed. */
  readonly url: string;
  readonly ports: readonly number[];
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL one node, like a crashed host. */
  kill(port: number): Promise<void>;
  /** Resolves once every live node reports cluster_state:ok and `port` no longer serves a slot. */
  waitForFailover(port: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const NODES = 6;
const CLUSTER_NODE_TIMEOUT_MS = 2_000;

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'evently-redis-cluster-'));
  const ports: number[] = [];
  const children = new Map<number, ChildProcess>();
  try {
    for (let i = 0; i < NODES; i++) {
      // Its own bus port too: the default (port + 10000) may be taken or past 65535.
      const { port, child } = await onFreePorts(2, async ([port = 0, busPort = 0]) => ({
        port,
        child: await spawnRedis(port, {
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(CLUSTER_NODE_TIMEOUT_MS),
            '--cluster-port',
            String(busPort),
            // A replica may always take over, however long since it last heard from its master.
            '--cluster-replica-validity-factor',
            '0',
            '--dir',
            dir,
          ],
        }),
      }));
      ports.push(port);
      children.set(port, child);
    }
    await redisCli(
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    );
    await waitUntil(() => allOk(ports), 60_000, 'cluster_state:ok on every node');
    // A replica that never finished its first sync would have nothing to take over with.
    await waitUntil(() => replicasInSync(ports), 60_000, 'every replica to sync with its master');
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }

  const live = () => ports.filter((port) => isRunning(children.get(port)));

  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    async masterOf(key) {
      const [any] = live();
      const slot = Number(await cli(any ?? 0, 'CLUSTER', 'KEYSLOT', key));
      for (const line of (await cli(any ?? 0, 'CLUSTER', 'NODES')).split('\n')) {
        const [, address, flags, , , , , state, ...ranges] = line.split(' ');
        if (!flags?.includes('master') || flags.includes('fail') || state !== 'connected') continue;
        const served = ranges.some((range) => {
          const [from, to = from] = range.split('-').map(Number);
          return from !== undefined && slot >= from && slot <= (to ?? from);
        });
        if (served) return Number(address?.split('@')[0]?.split(':')[1]);
      }
      throw new Error(`no master serves slot ${slot}`);
    },
    async kill(port) {
      await killChild(children.get(port));
    },
    async waitForFailover(port, timeoutMs = 60_000) {
      await waitUntil(
        async () => {
          const others = live();
          if (!(await allOk(others))) return false;
          const nodes = await cli(others[0] ?? 0, 'CLUSTER', 'NODES');
          // The dead node is flagged failed and holds no slots any more.
          return nodes
            .split('\n')
            .filter((line) => line.includes(`:${port}@`))
            .every((line) => line.includes('fail') && line.split(' ').length <= 8);
        },
        timeoutMs,
        `a replica to take over from 127.0.0.1:${port}`,
      );
    },
    stop: () => stopAll(children, dir),
  };
}

async function allOk(ports: number[]): Promise<boolean> {
  const infos = await Promise.all(
    ports.map((port) => cli(port, 'CLUSTER', 'INFO').catch(() => '')),
  );
  return infos.every((info) => info.includes('cluster_state:ok'));
}

async function replicasInSync(ports: number[]): Promise<boolean> {
  const infos = await Promise.all(
    ports.map((port) => cli(port, 'INFO', 'replication').catch(() => '')),
  );
  const replicas = infos.filter((info) => info.includes('role:slave'));
  return (
    replicas.length === NODES / 2 &&
    replicas.every((info) => info.includes('master_link_status:up'))
  );
}

let shared: Promise<RedisCluster> | undefined;

/**
 * One cluster for a whole test file, started on first use: the contract suites add it as one
 * more backend without paying six servers per test. Stop it in the file's afterAll.
 */
export function sharedRedisCluster(): Promise<RedisCluster> {
  shared ??= startRedisCluster();
  return shared;
}

export async function stopSharedRedisCluster(): Promise<void> {
  const cluster = shared;
  shared = undefined;
  if (cluster) await (await cluster).stop();
}

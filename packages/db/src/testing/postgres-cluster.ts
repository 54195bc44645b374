import { execFile, execFileSync } from 'node:child_process';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findFreePort } from './free-port.js';

const run = promisify(execFile);

/**
 * A throwaway Postgres cluster of its own for fault tests (never the shared one on 5432): the
 * test may restart or stop it at will. Trust auth on 127.0.0.1, superuser `postgres`.
 */
export interface PostgresCluster {
  readonly port: number;
  /** A connection string to `database` on this cluster. */
  urlFor(database: string): string;
  /** Creates an empty database; resolves its connection string. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl restart -m fast`: every connection is terminated (57P01), then it is back. */
  restart(): Promise<void>;
  /** `pg_ctl stop -m fast`: every connection is terminated, new ones are refused. */
  stop(): Promise<void>;
  /** Starts it again after `stop()`; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it (immediate) and deletes its files. */
  destroy(): Promise<void>;
  /** The server's log so far (for a failure's message). */
  log(): Promise<string>;
}

/** Where initdb and pg_ctl live: PG_BIN_DIR, else the newest /usr/lib/postgresql/<n>/bin. */
async function binDir(): Promise<string> {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const versions = (await readdir('/usr/lib/postgresql').catch(() => []))
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  const newest = versions[0];
  if (!newest) throw new Error('no Postgres binaries in /usr/lib/postgresql (set PG_BIN_DIR)');
  return `/usr/lib/postgresql/${newest}/bin`;
}

/** Postgres refuses to run as root: as root, run its tools as the `postgres` user. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
}

const live = new Map<string, () => void>();
// A crashed test run must not leave a server behind.
process.once('exit', () => {
  for (const stop of live.values()) stop();
});

export interface PostgresClusterOptions {
  /**
   * Make this cluster a hot standby streaming from `replicaOf` (`pg_basebackup -R`: a copy of
   * its data directory that connects back to it and replays its WAL), instead of `initdb`.
   */
  replicaOf?: PostgresCluster;
}

export async function startPostgresCluster(
  clusterOptions: PostgresClusterOptions = {},
): Promise<PostgresCluster> {
  const bin = await binDir();
  const dir = await mkdtemp(join(tmpdir(), 'evently-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await findFreePort();
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(dir, uid, gid);
  }
  const tool = (name: string, args: string[]) => {
    const [command, argv] = asServerUser(join(bin, name), args);
    return run(command, argv, { maxBuffer: 16 * 1024 * 1024 });
  };
  // No fsync: a throwaway cluster; a fast shutdown still checkpoints, so restarts lose nothing.
  // wal_level=replica (the default, said anyway) and WAL senders let a standby stream from it.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 -c wal_level=replica -c max_wal_senders=5`;
  const ctl = (action: string, ...extra: string[]) =>
    tool('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', ...extra, action]);
  const start = () => ctl('start', '-o', options).then(() => {});
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const emergencyStop = () => {
    const [command, argv] = asServerUser(join(bin, 'pg_ctl'), [
      '-D',
      data,
      '-m',
      'immediate',
      'stop',
    ]);
    try {
      execFileSync(command, argv, { stdio: 'ignore' });
    } catch {
      // Not running.
    }
  };
  live.set(dir, emergencyStop);

  try {
    const source = clusterOptions.replicaOf;
    if (source) {
      // Trust auth on loopback covers replication connections too (initdb's pg_hba.conf).
      await tool('pg_basebackup', [
        ...['-h', '127.0.0.1', '-p', String(source.port), '-U', 'postgres'],
        ...['-D', data, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'],
      ]);
    } else {
      await tool('initdb', [
        ...['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync'],
      ]);
    }
    await start();
  } catch (error) {
    // A cluster that never came up leaves nothing behind either.
    live.delete(dir);
    emergencyStop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    urlFor,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      client.on('error', () => {});
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async restart() {
      await ctl('restart', '-m', 'fast', '-o', options);
    },
    async stop() {
      await ctl('stop', '-m', 'fast');
    },
    start,
    async destroy() {
      live.delete(dir);
      emergencyStop();
      await rm(dir, { recursive: true, force: true });
    },
    log: () => readFile(logFile, 'utf8').catch(() => ''),
  };
}

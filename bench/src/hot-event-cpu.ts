import { readFileSync } from 'node:fs';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every usual kernel). */
const TICKS_PER_SECOND = 100;

/** User + system CPU of a process so far, in ms; undefined once it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** When a process started, in ticks since boot (field 22 of /proc/<pid>/stat). */
function startTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/** Ticks since boot now (from /proc/uptime). */
function uptimeTicks(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * TICKS_PER_SECOND;
}

/** Resident set size of a process now, in MB; undefined once it is gone. */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export interface CpuGroup {
  name: string;
  /** Also note the largest resident set any of the group's processes had in a sample. */
  rss?: boolean;
  /** The group's processes now (Postgres backends come and go, so it is asked every sample). */
  pids: () => number[] | Promise<number[]>;
}

/** The Postgres backends serving `db`'s database (but the one asking), as they are now. */
export function postgresBackends(db: Kysely<Database>, name = 'Postgres backends'): CpuGroup {
  return {
    name,
    pids: async () =>
      (
        await sql<{ pid: number }>`
          SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`.execute(db)
      ).rows.map((r) => r.pid),
  };
}

export interface CpuSampler {
  /**
   * CPU ms each group used since start (a process that exits loses at most one interval), and
   * under `machine busy` and `machine idle` what all cores did meanwhile (from /proc/stat), and
   * under `rss:<group>` the peak resident MB of one process of each group that asked for it.
   */
  stop(): Promise<Record<string, number>>;
}

/** Busy and idle (idle + iowait) ms of all cores together so far. */
function machineMs(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return {
    busy: ((total - idle) * 1_000) / TICKS_PER_SECOND,
    idle: (idle * 1_000) / TICKS_PER_SECOND,
  };
}

/**
 * Samples the groups' processes every `intervalMs`. A process seen at the first sample counts
 * from its value then; one that appears later counts from zero if it started during the window,
 * else from its value when first seen (a long-lived Postgres backend that a group's query did not
 * list at first — the bench's own pooled connections take turns being the one that asks — would
 * otherwise add its whole lifetime's CPU).
 */
export async function startCpuSampler(groups: CpuGroup[], intervalMs = 250): Promise<CpuSampler> {
  const first = new Map<string, Map<number, number>>();
  const last = new Map<string, Map<number, number>>();
  const peakRss = new Map<string, number>();
  let initial = true;
  // Whole ticks, rounded down: a process started in the same tick as the sampler counts as new.
  const startedAt = Math.floor(uptimeTicks());

  async function sample(): Promise<void> {
    for (const group of groups) {
      if (group.rss) {
        for (const pid of await group.pids()) {
          const mb = rssMb(pid) ?? 0;
          if (mb > (peakRss.get(group.name) ?? 0)) peakRss.set(group.name, mb);
        }
      }
      const seen = first.get(group.name) ?? new Map<number, number>();
      const now = last.get(group.name) ?? new Map<number, number>();
      for (const pid of await group.pids()) {
        const ms = cpuMs(pid);
        if (ms === undefined) continue;
        if (!seen.has(pid)) {
          const started = startTicks(pid);
          const newcomer = !initial && started !== undefined && started >= startedAt;
          seen.set(pid, newcomer ? 0 : ms);
        }
        now.set(pid, ms);
      }
      first.set(group.name, seen);
      last.set(group.name, now);
    }
    initial = false;
  }

  await sample();
  const machineAtStart = machineMs();
  let sampling = Promise.resolve();
  const timer = setInterval(() => {
    sampling = sampling.then(sample).catch(() => {});
  }, intervalMs);

  return {
    async stop() {
      clearInterval(timer);
      await sampling;
      await sample();
      const machine = machineMs();
      const used: Record<string, number> = {};
      for (const group of groups) {
        let total = 0;
        for (const [pid, end] of last.get(group.name) ?? []) {
          total += end - (first.get(group.name)?.get(pid) ?? 0);
        }
        used[group.name] = Math.round(total);
      }
      used['machine busy'] = Math.round(machine.busy - machineAtStart.busy);
      used['machine idle'] = Math.round(machine.idle - machineAtStart.idle);
      for (const [name, mb] of peakRss) used[`rss:${name}`] = Math.round(mb);
      return used;
    },
  };
}

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openLiveStreams } from './sse-streams.js';

/** Resident MB of a process now (0 once it is gone). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? 0 : Math.round(Number(kb) / 1024);
  } catch {
    return 0;
  }
}

/**
 * Resident memory of each API process right after the hot event's cases, then with `count`
 * `analytics.live` SSE streams open over them (spread evenly), after the streams' access checks
 * have run a few times (every 3 s); the streams are closed again at the end.
 */
export async function measureStreamMemory(
  apis: { url: string; pid: number }[],
  accessToken: string,
  eventId: string,
  count: number,
): Promise<Record<string, string | number>[]> {
  const before = apis.map((a) => rssMb(a.pid));
  const streams = await openLiveStreams({
    urls: apis.map((a) => a.url),
    accessToken,
    eventId,
    count,
  });
  try {
    await sleep(7_000);
    return apis.map((a, i) => ({
      process: `API process ${i + 1}`,
      'RSS MB after the hot event': before[i] ?? 0,
      [`RSS MB with ${Math.ceil(count / apis.length)} of ${count} streams open`]: rssMb(a.pid),
      'streams answered 200 (all processes)': streams.open,
    }));
  } finally {
    streams.close();
  }
}

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A V8 `.cpuprofile` (what `node --cpu-prof` writes). */
interface CpuProfile {
  nodes: ProfileNode[];
  /** µs on the system's monotonic clock, the same as process.hrtime() in every process. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled µs in the window by where the code lives (package, Evently module, Node, V8). */
  byCategory: Map<string, number>;
  /** Sampled µs in the window by function (`name file:line`), with its category. */
  byFunction: Map<string, { category: string; us: number }>;
}

/** The place a frame's code belongs to, from its script URL. */
function categoryOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(program)') return 'V8: program (native, compiler)';
    if (functionName === '(idle)') return 'idle';
    // Socket writes (the syscall, and on loopback the receiving side's TCP work too).
    if (/^write(v|Buffer|Utf8String|Latin1String|AsciiString)$/.test(functionName))
      return 'native: socket writes';
    return 'native: V8 builtins (JSON, microtasks, …)';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [scope = '', name = ''] = url.slice(modules + 14).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  const evently = /\/(apps\/api\/src\/(?:modules\/[^/]+|[^/]+)|packages\/[^/]+)\//.exec(url);
  if (evently?.[1]) return `evently: ${evently[1].replace('apps/api/src/', 'api/')}`;
  if (url.includes('undici')) return 'node: fetch (undici)';
  if (url.includes('internal/crypto')) return 'node: crypto (WebCrypto)';
  if (url.includes('abort_controller')) return 'node: AbortController';
  if (/webstreams|js_transferable/.test(url)) return 'node: web streams';
  if (/node:(?:internal\/)?(?:_?http|internal\/http)/.test(url)) return 'node: http';
  if (/node:(?:internal\/)?(?:net|stream|streams)/.test(url)) return 'node: net/streams';
  if (url.startsWith('node:')) return 'node: other';
  return url;
}

/** Self time of the profile's samples between `fromUs` and `toUs` (monotonic µs), idle left out. */
export async function summariseProfile(
  path: string,
  fromUs: number,
  toUs: number,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  let t = profile.startTime;
  for (const [i, id] of profile.samples.entries()) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < fromUs || t > toUs) continue;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + delta);
  }
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { category: string; us: number }>();
  for (const [id, us] of selfByNode) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    const category = categoryOf(frame);
    if (category === 'idle') continue;
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const file = frame.url.slice(frame.url.lastIndexOf('/') + 1);
    const key = `${frame.functionName || '(anonymous)'} ${file}:${frame.lineNumber + 1}`;
    const entry = byFunction.get(key) ?? { category, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  return { byCategory, byFunction };
}

/** Several processes' summaries of one window added up. */
export function mergeSummaries(summaries: ProfileSummary[]): ProfileSummary {
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, { category: string; us: number }>();
  for (const s of summaries) {
    for (const [c, us] of s.byCategory) byCategory.set(c, (byCategory.get(c) ?? 0) + us);
    for (const [f, { category, us }] of s.byFunction) {
      const entry = byFunction.get(f) ?? { category, us: 0 };
      entry.us += us;
      byFunction.set(f, entry);
    }
  }
  return { byCategory, byFunction };
}

/** The system's monotonic clock in µs, the clock of `.cpuprofile` timestamps. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1_000n);
}

/** The main thread's profile among those `node --cpu-prof` wrote for process `pid` in `dir`. */
export async function mainThreadProfile(dir: string, pid: number): Promise<string | undefined> {
  // Default names: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; the main thread is 0.
  const file = (await readdir(dir)).find((f) => f.includes(`.${pid}.0.`));
  return file && join(dir, file);
}

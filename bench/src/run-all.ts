// `pnpm bench`: every benchmark, one after another. BENCH_SECONDS shortens or lengthens each case;
// BENCH_ONLY=auth (or trpc, events, read-cpu, hot-event, analytics) runs one of them. hot-event needs
// DATABASE_URL (admin URL) and REDIS_URL, and reads BENCH_HOT_SECONDS (20) and BENCH_HOT_CLIENTS
// (64). Turbo passes BENCH_*, DATABASE_URL and REDIS_URL through to this task.
import { benchAnalytics } from './analytics.bench.js';
import { benchAuth } from './auth.bench.js';
import { benchEventsRead } from './events-read.bench.js';
import { benchHotEvent } from './hot-event.bench.js';
import { benchReadPathCpu } from './read-path-cpu.bench.js';
import { benchTrpcOverhead } from './trpc-overhead.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = process.env.BENCH_ONLY;
if (!only || only === 'trpc') await benchTrpcOverhead(seconds);
if (!only || only === 'auth') await benchAuth(seconds);
if (!only || only === 'events') await benchEventsRead(seconds);
if (!only || only === 'read-cpu') await benchReadPathCpu(seconds);
if (!only || only === 'hot-event') await benchHotEvent();
if (!only || only === 'analytics') await benchAnalytics(seconds);

// `pnpm bench`: every benchmark, one after another. BENCH_SECONDS shortens or lengthens each case;
// BENCH_ONLY=auth (or trpc, events, read-cpu, hot-event, seating, door-rush, analytics) runs one;
// BENCH_ONLY=hot-event-typed runs only the typed hot event and the plain one it is held against
// (hot-event runs it too, unless BENCH_HOT_TYPED=0). hot-event needs
// DATABASE_URL (admin URL) and REDIS_URL, and reads BENCH_HOT_SECONDS (10 a case),
// BENCH_HOT_CLIENTS (64 Evently users), BENCH_PGBENCH_CLIENTS (2,4,8,16,64), BENCH_SPREAD_EVENTS
// (100,1000), BENCH_HTTP_IDEMPOTENCY (1; 0 sends no key), BENCH_BACKGROUND (pgbench-ro: every case
// also beside a read-only pgbench, BENCH_BACKGROUND_CLIENTS 4) and BENCH_PROFILE_DIR.
// seating (the 10,000-seat arena sold out, against raw SQL's seat claim) needs them too and reads
// BENCH_SEATING_SEATS, BENCH_SEATING_CLIENTS, BENCH_SEATING_PGBENCH_CLIENTS,
// BENCH_SEATING_WARMUP_SEATS and BENCH_SEATING_ROUNDS (seating.bench.ts). door-rush (20,000
// tickets redeemed by 50 scanners over two API processes, against raw SQL's conditional insert)
// needs them too and reads BENCH_DOOR_* (door-rush.bench.ts).
// Turbo passes BENCH_*, DATABASE_URL and REDIS_URL through to this task.
import { benchAnalytics } from './analytics.bench.js';
import { benchAuth } from './auth.bench.js';
import { benchDoorRush } from './door-rush.bench.js';
import { benchEventsRead } from './events-read.bench.js';
import { benchHotEvent } from './hot-event.bench.js';
import { benchReadPathCpu } from './read-path-cpu.bench.js';
import { benchSeating } from './seating.bench.js';
import { benchTrpcOverhead } from './trpc-overhead.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = process.env.BENCH_ONLY;
if (!only || only === 'trpc') await benchTrpcOverhead(seconds);
if (!only || only === 'auth') await benchAuth(seconds);
if (!only || only === 'events') await benchEventsRead(seconds);
if (!only || only === 'read-cpu') await benchReadPathCpu(seconds);
if (!only || only === 'hot-event') await benchHotEvent();
if (only === 'hot-event-typed') await benchHotEvent('typed');
if (!only || only === 'seating') await benchSeating();
if (!only || only === 'door-rush') await benchDoorRush();
if (!only || only === 'analytics') await benchAnalytics(seconds);

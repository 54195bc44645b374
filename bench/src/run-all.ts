// `pnpm bench`: every benchmark, one after another. BENCH_SECONDS shortens or lengthens each case;
// BENCH_ONLY=auth (or trpc, events, read-cpu) runs one of them. Through turbo (`pnpm bench` at the
// root) environment variables are filtered: run `pnpm --filter @evently/bench bench` to set them.
import { benchAuth } from './auth.bench.js';
import { benchEventsRead } from './events-read.bench.js';
import { benchReadPathCpu } from './read-path-cpu.bench.js';
import { benchTrpcOverhead } from './trpc-overhead.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = process.env.BENCH_ONLY;
if (!only || only === 'trpc') await benchTrpcOverhead(seconds);
if (!only || only === 'auth') await benchAuth(seconds);
if (!only || only === 'events') await benchEventsRead(seconds);
if (!only || only === 'read-cpu') await benchReadPathCpu(seconds);

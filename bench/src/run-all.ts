// `pnpm bench`: every benchmark, one after another. BENCH_SECONDS shortens or lengthens each case;
// BENCH_ONLY=auth (or trpc) runs one of them.
import { benchAuth } from './auth.bench.js';
import { benchTrpcOverhead } from './trpc-overhead.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const only = process.env.BENCH_ONLY;
if (!only || only === 'trpc') await benchTrpcOverhead(seconds);
if (!only || only === 'auth') await benchAuth(seconds);

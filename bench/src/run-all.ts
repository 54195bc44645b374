// `pnpm bench`: every benchmark, one after another. BENCH_SECONDS shortens or lengthens each case.
import { benchTrpcOverhead } from './trpc-overhead.bench.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
await benchTrpcOverhead(seconds);

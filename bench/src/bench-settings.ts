/** A comma-separated list of positive integers from a BENCH_* variable ("1,2,4,8"), others dropped. */
export const numbers = (value: string): number[] =>
  value
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);

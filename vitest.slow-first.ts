import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (minutes: fault injection, flash sales, the analytics
 * consistency run), as measured on CI. A clean clone has no timing cache, so vitest would order
 * files by size and could start one of these last, leaving the other workers idle while it
 * runs: started first, they overlap with everything else. Longest first, most to least.
 */
const SLOWEST = [
  'analytics.consistency.test.ts',
  'analytics.fault.test.ts',
  'webhooks.fault.test.ts',
  'bookings.flash-sale.test.ts',
  'bookings.typed-flash-sale.test.ts',
  'events.instances.test.ts',
  'auth.timing.test.ts',
  'bookings.redis-cluster-failover.fault.test.ts',
  'postgres.fault.test.ts',
  'payments.fault.test.ts',
  'bookings.expiry.test.ts',
  'access-matrix.test.ts',
  'analytics.rebuild.test.ts',
  'start.test.ts',
];

const rank = (spec: TestSpecification): number => {
  const index = SLOWEST.findIndex((name) => spec.moduleId.endsWith(`/${name}`));
  return index === -1 ? SLOWEST.length : index;
};

/** Vitest's own order (cached durations, else size), with the slowest files moved to the front. */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return sorted
      .map((spec, order) => ({ spec, order }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.order - b.order)
      .map(({ spec }) => spec);
  }
}

import { type CancellationPolicy, cancellationPolicySchema } from '@evently/contracts';

// An event's cancellation policy as stored (`events.cancellation_policy`, jsonb): written through
// the contract's schema, read back through it.

export function policyOf(stored: Record<string, unknown> | null): CancellationPolicy | null {
  return stored === null ? null : cancellationPolicySchema.parse(stored);
}

export const policyColumn = (policy: CancellationPolicy | null): string | null =>
  policy === null ? null : JSON.stringify(policy);

import type { Consumer } from './outbox/consumer.js';

/**
 * Every consumer of domain events this deployment runs. The mail and analytics consumers join
 * as their modules land; until then the relay marks events relayed and nothing consumes them.
 */
export const consumers: readonly Consumer[] = [];

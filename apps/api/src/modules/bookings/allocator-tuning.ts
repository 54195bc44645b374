// How the allocator is tuned, with the measurements behind each figure (docs/performance.md).

/** Times a drain puts a batch back after its lease lapsed before refusing it. */
export const MAX_LEASE_LOSSES = 3;

/** Requests in one round (the shared lane's, across events) or one event's batch. */
export const MAX_BATCH = 500;
export const MAX_ATTEMPTS = 8;
/**
 * Under its event's lock no other locked batch writes the event, so what moves its inventory row
 * is a write that takes no lock: a confirmation, a cancellation, an expiry, an offer — short
 * transactions that end soon — or another process's lane round on an event it has not found
 * contended yet. A batch there keeps trying past MAX_ATTEMPTS for this long (its
 * backoff capped at MAX_LOCKED_BACKOFF_MS) instead of refusing everyone in it: a paid sale's
 * confirmations, arriving in a burst right after a burst of bookings, made a batch lose eight
 * races in a row (~0.5 s) and answer SERVICE_UNAVAILABLE with nothing wrong.
 */
export const LOCKED_RACE_BUDGET_MS = 3_000;
export const MAX_LOCKED_BACKOFF_MS = 64;
/**
 * Lane rounds an event may lose in a row before it counts as contended. Two processes' rounds
 * over the same events overlap all the time — a hot event's in most rounds — and the loser's
 * next round, which takes everything queued meanwhile, usually wins: measured on the hot-event
 * bench (2026-12-04, a loaded machine), rounds without the lock sold 1.3–1.9× what turns under
 * the Redis lock did (no hand-over, no waiting on a descheduled holder). Only an event that loses
 * round after round — many processes fighting for it — goes to the lock.
 */
export const LANE_LOSSES = 50;

/**
 * Lane rounds a process keeps in flight at once (over disjoint events), the second only once the
 * first has been out for SLOW_ROUND_MS: on a quiet machine a second round at once only splits
 * the next round in two (on the bench, 1,000 events: rounds of 9 instead of 15, 0.49× raw SQL
 * instead of 0.58–0.66×); a round that is stuck — on a key another transaction holds, or on a
 * busy machine — should not hold up every other event.
 */
export const MAX_LANE_ROUNDS = 2;
export const SLOW_ROUND_MS = 50;

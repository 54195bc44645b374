// The analytics read models per check-in list (migration 2026-12-06-014-analytics-checkins):
// what the projection folds `ticket.checked_in` into.

/** An event's figures per check-in list: tickets that came in at least once, and those in now. */
export interface AnalyticsCheckinStatsTable {
  event_id: string;
  list_id: string;
  entered: number;
  inside: number;
}

/** The (list, ticket) pairs whose first entry `entered` has counted: a re-entry counts no more. */
export interface AnalyticsCheckinTicketsTable {
  list_id: string;
  ticket_id: string;
}

import type { EventAnalytics, EventStats, LiveStats } from '@evently/sdk';

/** An event's figures as the dashboard shows them: the totals and the detail it draws. */
export type Figures = EventStats & Pick<EventAnalytics, 'ticketTypes' | 'quotas' | 'checkins'>;

/** Tickets sold and revenue reached by an instant (ms since the epoch). */
export interface SalesPoint {
  at: number;
  tickets: number;
  revenueCents: number;
}

const HOUR_MS = 3_600_000;
/** The chart keeps this many live points (a long-open page does not grow without end). */
const MAX_POINTS = 600;

/**
 * Sales accumulating over `analytics.event`'s hourly window: from the first hour anything
 * happened in (what came before the window is the starting figure), each active hour's end,
 * and the totals now. The series adds up to the totals, so the last point is them.
 */
export function historyOf(analytics: EventAnalytics, now = Date.now()): SalesPoint[] {
  const inWindow = analytics.hourly.reduce(
    (sum, h) => ({ tickets: sum.tickets + h.tickets, revenue: sum.revenue + h.revenueCents }),
    { tickets: 0, revenue: 0 },
  );
  let tickets = analytics.ticketsSold - inWindow.tickets;
  let revenueCents = analytics.revenueCents - inWindow.revenue;
  const points: SalesPoint[] = [];
  const active = analytics.hourly.filter((h) => h.tickets !== 0 || h.revenueCents !== 0);
  const first = active[0];
  if (first) points.push({ at: Date.parse(first.hour), tickets, revenueCents });
  for (const hour of active) {
    tickets += hour.tickets;
    revenueCents += hour.revenueCents;
    points.push({ at: Math.min(Date.parse(hour.hour) + HOUR_MS, now), tickets, revenueCents });
  }
  points.push({ at: now, tickets: analytics.ticketsSold, revenueCents: analytics.revenueCents });
  return points;
}

/** What the live stream has said so far. */
export interface LiveState {
  /** The latest figures, with the detail of the last update that carried it. */
  latest: Figures | undefined;
  /** A point per update that moved sales, at its arrival. */
  points: SalesPoint[];
  lastUpdate: Date | undefined;
}

export const NO_UPDATES: LiveState = { latest: undefined, points: [], lastUpdate: undefined };

/** The state after one update of `analytics.live` (its detail kept when an update has none). */
export function receive(state: LiveState, update: LiveStats, at: Date): LiveState {
  const previous = state.latest;
  const latest: Figures = {
    ...update,
    ticketTypes: update.ticketTypes ?? previous?.ticketTypes ?? [],
    quotas: update.quotas ?? previous?.quotas ?? [],
    checkins: update.checkins ?? previous?.checkins ?? [],
  };
  const last = state.points.at(-1);
  const moved =
    !last || last.tickets !== update.ticketsSold || last.revenueCents !== update.revenueCents;
  const points = moved
    ? [
        ...state.points,
        { at: at.getTime(), tickets: update.ticketsSold, revenueCents: update.revenueCents },
      ].slice(-MAX_POINTS)
    : state.points;
  return { latest, points, lastUpdate: at };
}

/** The history read at load, then the live points that arrived after it. */
export function seriesOf(history: SalesPoint[], live: SalesPoint[]): SalesPoint[] {
  const loadedAt = history.at(-1)?.at ?? 0;
  return [...history, ...live.filter((p) => p.at > loadedAt)];
}

/** Seats held now (pending bookings: holds and waitlist offers), over the ticket types. */
export function heldOf(figures: Figures): number {
  return figures.ticketTypes.reduce((sum, t) => sum + t.held, 0);
}

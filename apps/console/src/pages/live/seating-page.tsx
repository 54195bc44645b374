import { useMemo } from 'react';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { ErrorNote, Loading, Page } from '../../components/ui.js';
import { LiveIndicator } from './live-status.js';
import { countStates, sectionsOf } from './seat-layout.js';
import { SeatLegend } from './seat-legend.js';
import { SeatRowsTable } from './seat-rows-table.js';
import { SectionMap } from './section-map.js';
import { useLiveSeats } from './use-live-seats.js';

/** The tables of rows start open for a plan of at most this many rows (a hall, not an arena). */
const OPEN_TABLES_UP_TO_ROWS = 60;

/** The event's seating plan drawn seat by seat, each seat's state kept current by `seating.live`. */
export function SeatingPage() {
  const eventId = useEventId();
  const { map, stateOf, subscription, lastUpdate } = useLiveSeats(eventId);
  const plan = map.data;
  const sections = useMemo(() => (plan ? sectionsOf(plan, plan.seats) : []), [plan]);
  const counts = countStates((plan?.seats ?? []).map((seat) => ({ state: stateOf(seat) })));
  const rows = sections.reduce((sum, section) => sum + section.rows.length, 0);
  return (
    <>
      <EventTabs />
      <Page
        title="Seating"
        actions={<LiveIndicator subscription={subscription} lastUpdate={lastUpdate} />}
      >
        <ErrorNote error={map.error} />
        {!plan ? (
          !map.error && <Loading what="the seating plan" />
        ) : sections.length === 0 ? (
          <p className="note">
            This event has no seating plan: its tickets are sold without reserved seats. A plan set
            later shows here by itself.
          </p>
        ) : (
          <>
            <p>
              Plan version {plan.version}, {plan.seats.length} seats. Seats change state here as
              they are booked, paid, released or blocked.
            </p>
            <SeatLegend counts={counts} />
            {sections.map((section) => (
              <SectionMap
                key={section.key}
                section={section}
                focus={plan.focus}
                stateOf={stateOf}
              />
            ))}
            <details className="seat-tables" open={rows <= OPEN_TABLES_UP_TO_ROWS}>
              <summary>The seats row by row, as tables</summary>
              {sections.map((section) => (
                <SeatRowsTable key={section.key} section={section} stateOf={stateOf} />
              ))}
            </details>
          </>
        )}
      </Page>
    </>
  );
}

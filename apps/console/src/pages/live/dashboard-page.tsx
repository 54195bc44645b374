import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../api.js';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { ErrorNote, Loading, Page } from '../../components/ui.js';
import { CheckinsTable, QuotasTable } from './detail-tables.js';
import { FigureCards } from './figure-cards.js';
import { LiveIndicator } from './live-status.js';
import { SalesChart } from './sales-chart.js';
import { TicketTypesPanel } from './ticket-types-panel.js';
import { useLiveStats } from './use-live-stats.js';

/**
 * One event's sales as they happen: the figures of `analytics.event`, then each update of
 * `analytics.live` without a reload — headline figures, sales over time, per ticket type, quotas
 * and check-ins.
 */
export function DashboardPage() {
  const eventId = useEventId();
  const event = useQuery(trpc.events.get.queryOptions({ id: eventId }));
  const { loaded, figures, series, subscription, lastUpdate } = useLiveStats(eventId);
  const currency = event.data?.currency;
  return (
    <>
      <EventTabs />
      <Page
        title="Live dashboard"
        actions={<LiveIndicator subscription={subscription} lastUpdate={lastUpdate} />}
      >
        <ErrorNote error={loaded.error ?? event.error} />
        {!figures || !currency ? (
          !loaded.error && !event.error && <Loading what="the event's figures" />
        ) : (
          <>
            <section aria-labelledby="figures-heading">
              <h2 id="figures-heading" className="visually-hidden">
                Figures now
              </h2>
              <FigureCards figures={figures} currency={currency} />
            </section>
            <div className="live-charts">
              <SalesChart series={series} currency={currency} />
              <TicketTypesPanel types={figures.ticketTypes} currency={currency} />
            </div>
            <QuotasTable quotas={figures.quotas} />
            <CheckinsTable checkins={figures.checkins} />
          </>
        )}
      </Page>
    </>
  );
}

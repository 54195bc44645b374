import { useQuery } from '@tanstack/react-query';
import { trpc } from '../../api.js';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { ErrorNote, Loading, Page } from '../../components/ui.js';
import { QuotasSection } from './quotas-section.js';
import { TicketTypesSection } from './ticket-types-section.js';

/** What the event sells (ticket types) and the limits they share (quotas). */
export function TicketTypesPage() {
  const eventId = useEventId();
  const event = useQuery(trpc.events.get.queryOptions({ id: eventId }));
  const types = useQuery(trpc.ticketTypes.list.queryOptions({ eventId }));
  return (
    <>
      <EventTabs />
      <Page title="Ticket types & quotas">
        <ErrorNote error={types.error ?? event.error} />
        {event.data && event.data.status !== 'published' && (
          <p className="note">
            Availability counts once the event is published; until then it shows 0.
          </p>
        )}
        {types.isPending ? (
          <Loading what="ticket types" />
        ) : (
          types.data && (
            <>
              <TicketTypesSection eventId={eventId} types={types.data} />
              <QuotasSection eventId={eventId} types={types.data} />
            </>
          )
        )}
      </Page>
    </>
  );
}

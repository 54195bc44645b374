import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../api.js';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { ErrorNote, Loading, money, Page, Tag, when } from '../../components/ui.js';
import { EventActions } from './event-actions.js';
import { EventEditForm } from './event-edit.js';
import { EVENT_STATUS_TONE } from './form-bits.js';

/** One event: its details, what may be done to it, and its edit form. */
export function EventOverviewPage() {
  const eventId = useEventId();
  const query = useQuery(trpc.events.get.queryOptions({ id: eventId }));
  const [savedVersion, setSavedVersion] = useState<number | null>(null);
  const event = query.data;
  return (
    <>
      <EventTabs />
      <Page title={event ? event.title : 'Event'}>
        <ErrorNote error={query.error} />
        {query.isPending && <Loading what="the event" />}
        {event && (
          <>
            <dl className="cards events-cards">
              <div className="card">
                <dt className="label">Status</dt>
                <dd>
                  <Tag tone={EVENT_STATUS_TONE[event.status]}>{event.status}</Tag>
                </dd>
              </div>
              <div className="card">
                <dt className="label">Starts</dt>
                <dd>{when(event.startsAt)}</dd>
              </div>
              <div className="card">
                <dt className="label">Ends</dt>
                <dd>{when(event.endsAt)}</dd>
              </div>
              <div className="card">
                <dt className="label">Venue</dt>
                <dd>{event.venue}</dd>
              </div>
              <div className="card">
                <dt className="label">Price</dt>
                <dd>{money(event.priceCents, event.currency)}</dd>
              </div>
              <div className="card">
                <dt className="label">Capacity</dt>
                <dd className="value">{event.capacity}</dd>
              </div>
              {event.status === 'published' && (
                <div className="card">
                  <dt className="label">Available now</dt>
                  <dd className="value">
                    {event.availability.available}
                    {event.availability.soldOut && ' (sold out)'}
                  </dd>
                </div>
              )}
              <div className="card">
                <dt className="label">Per booking / per person</dt>
                <dd>
                  {event.maxPerBooking} / {event.maxPerUser ?? 'no limit'}
                </dd>
              </div>
              <div className="card">
                <dt className="label">Sales</dt>
                <dd>
                  {event.salesStartAt ? when(event.salesStartAt) : 'On publishing'} –{' '}
                  {event.salesEndAt ? when(event.salesEndAt) : 'the end'}
                </dd>
              </div>
            </dl>
            {event.description && <p className="events-description">{event.description}</p>}
            {event.status === 'cancelled' && (
              <p className="note">
                Cancelled {when(event.cancelledAt)}: {event.cancelReason}
              </p>
            )}
            {savedVersion === event.version && (
              <p className="note" role="status">
                Changes saved.
              </p>
            )}
            <EventActions event={event} />
            {(event.status === 'draft' || event.status === 'published') && (
              <EventEditForm
                key={event.version}
                event={event}
                onSaved={(saved) => setSavedVersion(saved.version)}
              />
            )}
          </>
        )}
      </Page>
    </>
  );
}

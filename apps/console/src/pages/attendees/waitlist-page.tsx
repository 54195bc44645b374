import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { trpc } from '../../api.js';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { LoadMore } from '../../components/load-more.js';
import { ErrorNote, Loading, Page, Tag, when } from '../../components/ui.js';
import { shortId, WAITLIST_STATUS } from './labels.js';
import { TableScroll } from './table-scroll.js';

const PAGE_SIZE = 25;

/** The event's waitlist, in line order: who waits for which ticket type, and offers made. */
export function WaitlistPage() {
  const eventId = useEventId();
  const entries = useInfiniteQuery(
    trpc.bookings.waitlist.forEvent.infiniteQueryOptions(
      { eventId, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const types = useQuery(trpc.ticketTypes.list.queryOptions({ eventId }));
  const typeName = (id: string) => types.data?.find((t) => t.id === id)?.name ?? shortId(id);
  const availability = useQuery(trpc.bookings.availability.queryOptions({ eventId }));
  const loaded = entries.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <EventTabs />
      <Page title="Waitlist">
        {availability.data && (
          <p>
            {availability.data.waitlistLength === 1
              ? '1 entry waiting'
              : `${availability.data.waitlistLength} entries waiting`}
            {availability.data.soldOut ? ' · the event is sold out.' : ' · seats are on sale.'}
          </p>
        )}
        <p className="hint">
          When a seat frees up, the first in line for its ticket type is offered a booking to
          confirm before the offer expires.
        </p>
        <ErrorNote error={entries.error} />
        {entries.isPending ? (
          <Loading what="the waitlist" />
        ) : loaded.length === 0 ? (
          <p>No one is on the waitlist of this event.</p>
        ) : (
          <TableScroll label="Waitlist entries">
            <table>
              <caption>Waitlist entries, in line order</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Place
                  </th>
                  <th scope="col">Status</th>
                  <th scope="col">Ticket type</th>
                  <th scope="col" className="num">
                    Tickets
                  </th>
                  <th scope="col">Joined</th>
                  <th scope="col">Person</th>
                  <th scope="col">Offer</th>
                </tr>
              </thead>
              <tbody>
                {loaded.map((entry) => {
                  const status = WAITLIST_STATUS[entry.status];
                  return (
                    <tr key={entry.id}>
                      <td className="num">{entry.position ?? '—'}</td>
                      <td>
                        <Tag tone={status.tone}>{status.label}</Tag>
                      </td>
                      <td>{typeName(entry.ticketTypeId)}</td>
                      <td className="num">{entry.quantity}</td>
                      <td>{when(entry.createdAt)}</td>
                      <td>
                        <code title={entry.userId}>{shortId(entry.userId)}</code>
                      </td>
                      <td>
                        {entry.offerBookingId ? (
                          <>
                            Booking{' '}
                            <code title={entry.offerBookingId}>
                              {shortId(entry.offerBookingId)}
                            </code>
                            {entry.offerExpiresAt && (
                              <div className="hint">until {when(entry.offerExpiresAt)}</div>
                            )}
                          </>
                        ) : (
                          '—'
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
        )}
        {loaded.length > 0 && (
          <LoadMore
            noun="entries"
            shown={loaded.length}
            hasMore={entries.hasNextPage}
            loading={entries.isFetchingNextPage}
            onLoad={() => void entries.fetchNextPage()}
          />
        )}
      </Page>
    </>
  );
}

import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { trpc } from '../../api.js';
import { ErrorNote, Loading, money, Page, Tag, when } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { EVENT_STATUS_TONE } from './form-bits.js';

/** The current organization's events (drafts too: its members see them), soonest first. */
export function EventsListPage() {
  const session = useSession();
  const organizationId = session.organization?.organization.id;
  const events = useInfiniteQuery({
    ...trpc.events.list.infiniteQueryOptions(
      { organizationId, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    enabled: organizationId !== undefined,
  });
  const newEvent = organizationId ? (
    <Link className="button primary" to="/events/new">
      New event
    </Link>
  ) : undefined;

  if (!organizationId) {
    return (
      <Page title="Events">
        <p>
          Events belong to an organization. <Link to="/">Create or choose one</Link> first.
        </p>
      </Page>
    );
  }
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Page title="Events" actions={newEvent}>
      <ErrorNote error={events.error} />
      {events.isPending ? (
        <Loading what="events" />
      ) : items.length === 0 ? (
        <p>
          {session.organization?.organization.name} has no events yet.{' '}
          <Link to="/events/new">Create the first one</Link>.
        </p>
      ) : (
        <table>
          <caption>Events of {session.organization?.organization.name}</caption>
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Starts</th>
              <th scope="col">Ends</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col" className="num">
                Available / capacity
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((event) => (
              <tr key={event.id}>
                <th scope="row">
                  <Link to={`/events/${event.id}`}>{event.title}</Link>
                </th>
                <td>{when(event.startsAt)}</td>
                <td>{when(event.endsAt)}</td>
                <td>
                  <Tag tone={EVENT_STATUS_TONE[event.status]}>{event.status}</Tag>
                  {event.status === 'published' && event.availability.soldOut && (
                    <>
                      {' '}
                      <Tag tone="bad">sold out</Tag>
                    </>
                  )}
                </td>
                <td className="num">{money(event.priceCents, event.currency)}</td>
                <td className="num">
                  {event.status === 'published'
                    ? `${event.availability.available} / ${event.capacity}`
                    : `— / ${event.capacity}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.hasNextPage && (
        <button
          type="button"
          onClick={() => void events.fetchNextPage()}
          disabled={events.isFetchingNextPage}
        >
          {events.isFetchingNextPage ? 'Loading more events…' : 'Show more events'}
        </button>
      )}
    </Page>
  );
}

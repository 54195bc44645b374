import { useQuery } from '@tanstack/react-query';
import { NavLink, useParams } from 'react-router';
import { trpc } from '../api.js';
import { Tag } from './ui.js';

/** Every page of one event, in the order organizers work through them. */
const TABS = [
  { path: '', label: 'Overview' },
  { path: 'ticket-types', label: 'Ticket types & quotas' },
  { path: 'vouchers', label: 'Vouchers' },
  { path: 'dashboard', label: 'Live dashboard' },
  { path: 'seating', label: 'Seating' },
  { path: 'bookings', label: 'Bookings' },
  { path: 'waitlist', label: 'Waitlist' },
  { path: 'checkin', label: 'Check-in' },
] as const;

/** The event's id from the route (`/events/:eventId/...`). */
export function useEventId(): string {
  const { eventId } = useParams();
  if (!eventId) throw new Error('no :eventId in this route');
  return eventId;
}

const STATUS_TONE = {
  draft: 'warn',
  published: 'ok',
  cancelled: 'bad',
  completed: 'info',
} as const;

/** The event's title and status, and links to its pages; put at the top of each event page. */
export function EventTabs() {
  const eventId = useEventId();
  const event = useQuery(trpc.events.get.queryOptions({ id: eventId }));
  return (
    <div className="event-tabs">
      <p className="event-title">
        <span>{event.data?.title ?? 'Event'}</span>{' '}
        {event.data && <Tag tone={STATUS_TONE[event.data.status]}>{event.data.status}</Tag>}
      </p>
      <nav aria-label="Event pages">
        <ul>
          {TABS.map((tab) => (
            <li key={tab.path}>
              <NavLink end to={`/events/${eventId}${tab.path ? `/${tab.path}` : ''}`}>
                {tab.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
    </div>
  );
}

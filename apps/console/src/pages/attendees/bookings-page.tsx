import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { trpc } from '../../api.js';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { LoadMore } from '../../components/load-more.js';
import { ErrorNote, Field, Loading, Page } from '../../components/ui.js';
import { AttendeeTable, useAttendeeSearch } from './attendee-search.js';
import { BookingsExport } from './bookings-export.js';
import { type Booking, BookingsTable } from './bookings-table.js';
import { CancelBookingDialog } from './cancel-booking-dialog.js';
import { itemsText } from './csv.js';
import { BOOKING_STATUS, BOOKING_STATUSES, shortId } from './labels.js';
import { useCheckinLists } from './use-checkin-lists.js';
import { useDebounced } from './use-debounced.js';

type Status = Booking['status'];
const PAGE_SIZE = 25;

/** Whether a loaded booking matches the search text (or its holder was found by name). */
function matches(booking: Booking, text: string, foundBookings: Set<string>): boolean {
  if (!text) return true;
  if (foundBookings.has(booking.id)) return true;
  const needle = text.toLowerCase();
  return [booking.id, booking.userId, itemsText(booking), booking.voucherCode ?? ''].some((v) =>
    v.toLowerCase().includes(needle),
  );
}

/**
 * An event's bookings: filtered by status on the server, by the search box on the pages loaded;
 * names and emails are searched through a check-in list (bookings carry only the holder's id).
 */
export function BookingsPage() {
  const eventId = useEventId();
  const event = useQuery(trpc.events.get.queryOptions({ id: eventId }));
  const [status, setStatus] = useState<Status | ''>('');
  const [search, setSearch] = useState('');
  const [cancelling, setCancelling] = useState<Booking | null>(null);
  const [notice, setNotice] = useState('');
  const text = search.trim();

  const bookings = useInfiniteQuery(
    trpc.bookings.listForEvent.infiniteQueryOptions(
      { eventId, limit: PAGE_SIZE, ...(status && { status }) },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );
  const lists = useCheckinLists(eventId);
  const searchList = lists.data?.find((l) => l.ticketTypeIds === null) ?? lists.data?.[0];
  const attendees = useAttendeeSearch(searchList?.id, useDebounced(text));
  const found = new Set(attendees.data?.map((a) => a.ticket.bookingId));

  const loaded = bookings.data?.pages.flatMap((p) => p.items) ?? [];
  const shown = loaded.filter((b) => matches(b, text, found));
  const statusWord = status ? BOOKING_STATUS[status].label.toLowerCase() : '';

  return (
    <>
      <EventTabs />
      <Page
        title="Bookings"
        actions={<BookingsExport eventId={eventId} eventTitle={event.data?.title ?? 'event'} />}
      >
        <div className="filters">
          <Field label="Status">
            {({ id }) => (
              <select
                id={id}
                value={status}
                onChange={(e) => setStatus(e.target.value as Status | '')}
              >
                <option value="">All statuses</option>
                {BOOKING_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {BOOKING_STATUS[s].label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field
            label="Search"
            hint={
              searchList
                ? `Booking id, holder id or ticket type among the bookings loaded; name or email of any attendee (through the check-in list “${searchList.name}”).`
                : 'Booking id, holder id or ticket type among the bookings loaded. To search by name or email, create a check-in list first.'
            }
          >
            {({ id, describedBy }) => (
              <input
                id={id}
                type="search"
                aria-describedby={describedBy}
                value={search}
                onChange={(e) => setSearch(e.target.value)}
              />
            )}
          </Field>
        </div>
        {!searchList && lists.isSuccess && (
          <p className="hint">
            <Link to={`/events/${eventId}/checkin`}>Create a check-in list</Link> to search
            attendees by name or email.
          </p>
        )}

        <p className={notice ? 'note note-ok' : undefined} role="status" aria-live="polite">
          {notice}
        </p>

        {text.length >= 2 && searchList && (
          <section aria-labelledby="attendee-results">
            <h2 id="attendee-results">Attendees matching “{text}”</h2>
            <ErrorNote error={attendees.error} />
            {attendees.isFetching && <Loading what="attendees" />}
            {attendees.data?.length === 0 && <p>No attendee’s name or email matches.</p>}
            {attendees.data && attendees.data.length > 0 && (
              <AttendeeTable
                caption={`${attendees.data.length} attendees (tickets) found; their bookings are listed below when loaded`}
                attendees={attendees.data}
              />
            )}
          </section>
        )}

        <ErrorNote error={bookings.error} />
        {bookings.isPending ? (
          <Loading what="bookings" />
        ) : loaded.length === 0 ? (
          <p>{status ? `No ${statusWord} bookings.` : 'No bookings yet.'}</p>
        ) : (
          <BookingsTable
            caption={
              text
                ? `${shown.length} of ${loaded.length} loaded ${statusWord} bookings match “${text}”`
                : `${statusWord ? `${BOOKING_STATUS[status as Status].label} bookings` : 'Bookings'}, newest first`
            }
            bookings={shown}
            onCancel={(booking) => {
              setNotice('');
              setCancelling(booking);
            }}
          />
        )}
        {loaded.length > 0 && (
          <LoadMore
            noun="bookings"
            shown={loaded.length}
            hasMore={bookings.hasNextPage}
            loading={bookings.isFetchingNextPage}
            onLoad={() => void bookings.fetchNextPage()}
          />
        )}
      </Page>
      {cancelling && (
        <CancelBookingDialog
          booking={cancelling}
          onClose={() => setCancelling(null)}
          onCancelled={(b) => {
            setCancelling(null);
            setNotice(`Booking ${shortId(b.id)} is cancelled.`);
          }}
        />
      )}
    </>
  );
}

import { createEventlyClient, isEventlyError, type MapSeat } from '@evently/sdk';
import { EventSource } from 'eventsource';
import { apiUrl } from './config.js';
import { followSeats } from './live-seats.js';
import { createSeatMap } from './seat-map.js';

const $ = <T extends Element>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`missing ${selector}`);
  return found;
};

// As on the events page: the `eventsource` package's EventSource, so a signed-in visitor's
// stream carries their bearer (seating.live itself is public).
const client = createEventlyClient({ url: apiUrl(), EventSource });
const status = $<HTMLSpanElement>('#status');
const picker = $<HTMLSelectElement>('#event');
const form = $<HTMLFormElement>('#signin');
const book = $<HTMLButtonElement>('#book');
const booked = $<HTMLOutputElement>('#booked');
let signedIn = false;
let eventId = '';
let selection: readonly MapSeat[] = [];

const message = (error: unknown) =>
  isEventlyError(error) ? `${error.appCode}: ${error.message}` : String(error);

function setStatus(state: 'offline' | 'connecting' | 'live', text: string) {
  status.dataset.state = state;
  status.textContent = text;
}

const seatMap = createSeatMap($<SVGSVGElement>('#map'), (selected) => {
  selection = selected;
  $('#selection').textContent =
    selected.length === 0
      ? 'No seats selected.'
      : `Selected: ${selected.map((s) => `${s.row}${s.label}`).join(', ')}.`;
  book.disabled = !signedIn || selected.length === 0;
});

let following: { stop(): void } | undefined;

/** Shows `id`'s seats, live (and puts it in the address, to share or reload). */
async function show(id: string) {
  following?.stop();
  seatMap.clear();
  $<HTMLParagraphElement>('#no-plan').hidden = true;
  eventId = id;
  booked.value = '';
  const url = new URL(location.href);
  url.searchParams.set('event', id);
  history.replaceState(null, '', url);
  following = followSeats(client, id, {
    onState: setStatus,
    onMap: (map) => {
      $<HTMLParagraphElement>('#no-plan').hidden = map.seats.length > 0;
      seatMap.draw(map);
    },
    onChange: (change) => seatMap.apply(change),
  });
  const event = await client.events.get.query({ id });
  $('#title').textContent = `${event.title} — ${event.venue}`;
}

/**
 * The published events to pick from. The list does not say which have a seating plan: one
 * without shows a note, and its seats once it gets a plan.
 */
async function loadEvents(preselected: string | null) {
  for await (const event of client.paginate(client.events.list, {
    status: 'published',
    limit: 100,
  })) {
    picker.append(new Option(event.title, event.id, false, event.id === preselected));
  }
}

picker.addEventListener('change', () => {
  if (picker.value) void show(picker.value).catch(failed);
});

form.addEventListener('submit', async (submitted) => {
  submitted.preventDefault();
  const data = new FormData(form);
  const credentials = { email: String(data.get('email')), password: String(data.get('password')) };
  try {
    const { user } = await client.session.login(credentials);
    $('#who').textContent = `signed in as ${user.email}`;
  } catch (error) {
    $<HTMLOutputElement>('#signin-error').value = message(error);
    return;
  }
  form.hidden = true;
  signedIn = true;
  book.disabled = selection.length === 0;
});

/** Books the selected seats: one item per ticket type, naming its seats (all or none). */
book.addEventListener('click', async () => {
  const byType = new Map<string, string[]>();
  for (const seat of selection)
    byType.set(seat.ticketTypeId, [...(byType.get(seat.ticketTypeId) ?? []), seat.id]);
  const items = [...byType].map(([ticketTypeId, seatIds]) => ({
    ticketTypeId,
    quantity: seatIds.length,
    seatIds,
  }));
  book.disabled = true;
  try {
    const booking = await client.bookings.create.mutate({ eventId, items });
    seatMap.clearSelection();
    const seats = booking.items.flatMap((item) => item.seats ?? []);
    const names = seats.map((s) => `${s.section} ${s.row} ${s.label}`).join(', ');
    booked.value =
      booking.status === 'pending' ? `Booked ${names}: held until paid.` : `Booked ${names}.`;
    delete booked.dataset.failed;
  } catch (error) {
    booked.value = message(error); // SEAT_UNAVAILABLE: taken meanwhile (the map shows it soon)
    booked.dataset.failed = '';
    book.disabled = selection.length === 0;
  }
});

function failed(error: unknown) {
  setStatus('offline', message(error));
}

const wanted = new URLSearchParams(location.search).get('event');
loadEvents(wanted).catch(failed);
if (wanted) show(wanted).catch(failed);

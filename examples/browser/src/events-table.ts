import type { RouterOutputs } from '@evently/sdk';

type Event = RouterOutputs['events']['get'];
type Availability = RouterOutputs['bookings']['availability'];

const when = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/** The table of events: one row per event, its availability cell updated in place. */
export function createEventsTable(body: HTMLTableSectionElement) {
  const rows = new Map<string, HTMLTableRowElement>();

  function showAvailability(row: HTMLTableRowElement, available: number, capacity: number) {
    const td = row.querySelector<HTMLTableCellElement>('td.num');
    if (!td) return;
    td.textContent = available > 0 ? `${available} of ${capacity}` : 'sold out';
    td.classList.toggle('sold-out', available <= 0);
    row.dataset.available = String(available);
  }

  return {
    has: (eventId: string) => rows.has(eventId),
    add(event: Event) {
      const row = document.createElement('tr');
      row.dataset.eventId = event.id;
      row.append(
        cell(event.title),
        cell(`${when.format(new Date(event.startsAt))} UTC`),
        cell(event.venue),
        cell('', 'num'),
      );
      showAvailability(row, event.availability.available, event.capacity);
      rows.set(event.id, row);
      body.append(row);
    },
    /** A fresh availability for an event: the cell changes and the row flashes. */
    update(eventId: string, availability: Availability): string | undefined {
      const row = rows.get(eventId);
      if (!row) return undefined;
      showAvailability(row, availability.available, availability.capacity);
      row.classList.remove('changed');
      void row.offsetWidth; // restart the flash animation
      row.classList.add('changed');
      return row.querySelector('td')?.textContent ?? undefined;
    },
    clear() {
      rows.clear();
      body.replaceChildren();
    },
  };
}

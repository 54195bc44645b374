import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { EventlyClient, RouterInputs } from '@evently/sdk';
import { csvField, csvRecord, csvText } from './csv.js';

type BookingStatus = NonNullable<RouterInputs['bookings']['listForEvent']['status']>;

export interface ExportOptions {
  eventId: string;
  /** Which bookings count as attendees: `confirmed` (default) or every booking (`all`). */
  status?: BookingStatus | 'all';
  /** Bookings per request (1..100). */
  pageSize?: number;
  /** Add each attendee's email and name; needs an admin (organizers cannot list accounts). */
  withUsers?: boolean;
}

const COLUMNS = [
  'booking_id',
  'event_id',
  'event_title',
  'status',
  'quantity',
  'unit_price_cents',
  'total_cents',
  'currency',
  'user_id',
  'created_at',
  'confirmed_at',
  'cancelled_at',
] as const;

/** Writes a chunk, waiting when the stream asks to (a slow disk or a closed pipe). */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Every account, by id (admins only) — one pass over auth.users.list. */
async function usersById(client: EventlyClient) {
  const users = new Map<string, { email: string; name: string }>();
  for await (const user of client.paginate(client.auth.users.list, { limit: 100 }))
    users.set(user.id, { email: user.email, name: user.name });
  return users;
}

/**
 * Streams an event's attendees to `out` as CSV, page by page: memory stays flat whatever the
 * number of bookings (only `withUsers` holds the accounts in memory).
 */
export async function exportAttendees(
  client: EventlyClient,
  out: Writable,
  options: ExportOptions,
): Promise<{ rows: number }> {
  const event = await client.events.get.query({ id: options.eventId });
  const users = options.withUsers ? await usersById(client) : undefined;
  const status = options.status ?? 'confirmed';

  await write(out, csvRecord([...COLUMNS, ...(users ? ['user_email', 'user_name'] : [])]));
  let rows = 0;
  const pages = client.paginate(client.bookings.listForEvent, {
    eventId: event.id,
    limit: options.pageSize ?? 100,
    ...(status === 'all' ? {} : { status }),
  });
  for await (const booking of pages) {
    const user = users?.get(booking.userId);
    const fields = [
      csvField(booking.id),
      csvField(event.id),
      csvText(event.title),
      csvField(booking.status),
      csvField(booking.quantity),
      csvField(booking.unitPriceCents),
      csvField(booking.totalCents),
      csvField(booking.currency),
      csvField(booking.userId),
      csvField(booking.createdAt),
      csvField(booking.confirmedAt),
      csvField(booking.cancelledAt),
      ...(users ? [csvText(user?.email ?? null), csvText(user?.name ?? null)] : []),
    ];
    await write(out, csvRecord(fields));
    rows += 1;
  }
  return { rows };
}

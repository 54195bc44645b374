import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  adminClient,
  type EmbeddedApi,
  publishEvent,
  runExample as runExampleIn,
  signUp,
  signUpOrganizer,
  startEmbeddedApi,
} from '@evently/examples-testing';
import type { EventlyClient, RouterOutputs } from '@evently/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Booking = RouterOutputs['bookings']['create'];

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

/** An RFC 4180 reader written apart from the exporter, so the two cannot share a mistake. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else field += c;
  }
  expect(quoted, 'an unterminated quoted field').toBe(false);
  expect(field === '' && record.length === 0, 'the last record ends with CRLF').toBe(true);
  return records;
}

/** Records as objects keyed by the header. */
function rowsOf(text: string): Array<Record<string, string>> {
  const [header, ...records] = parseCsv(text);
  if (!header) throw new Error('no header');
  for (const r of records) expect(r).toHaveLength(header.length);
  return records.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ''])));
}

const runExample = (args: string[], env: Record<string, string> = {}) =>
  runExampleIn(exampleDir, args, env);

describe('examples/csv-export against pnpm start (embedded)', () => {
  const organizer = { email: 'olga@example.com', password: 'organizer passphrase 1' };
  // Titles are one line (the API refuses line breaks); commas and quotes still need quoting.
  const title = 'Jazz, "Blue" Night';
  const jane = 'Doe, Jane "JD"';
  const formula = "=HYPERLINK('http://evil.example')";
  let api: EmbeddedApi;
  let admin: EventlyClient;
  let eventId: string;
  let bookings: Booking[];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csv-export-'));
    api = await startEmbeddedApi();
    admin = await adminClient(api);
    const org = await signUpOrganizer(api, admin, { ...organizer, name: 'Olga' });
    eventId = (await publishEvent(org, { title, capacity: 20, priceCents: 1250 })).id;

    const a = await signUp(api, { email: 'jane@example.com', name: jane });
    const b = await signUp(api, { email: 'mallory@example.com', name: formula });
    const book = (client: EventlyClient, quantity: number) =>
      client.bookings.create.mutate({ eventId, quantity });
    // A paid booking is confirmed by its payment: the organizer marks the transfer received.
    const paid = (booking: Booking) =>
      org.payments.markPaid.mutate({
        bookingId: booking.id,
        amountCents: booking.totalCents,
        currency: booking.currency,
        method: 'transfer',
        reference: `transfer for ${booking.id}`,
      });
    bookings = [
      await paid(await book(a, 2)),
      await paid(await book(a, 1)),
      await a.bookings.cancel.mutate({ bookingId: (await book(a, 1)).id }),
      await paid(await book(b, 3)),
      await book(b, 1), // still pending: not paid yet
    ];
  });
  afterAll(async () => {
    await api?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the organizer exports the confirmed attendees to a file, page by page', async () => {
    const out = join(dir, 'attendees.csv');
    const run = await runExample(
      ['--url', api.url, '--event', eventId, '--out', out, '--page-size', '2'],
      { EVENTLY_EMAIL: organizer.email, EVENTLY_PASSWORD: organizer.password },
    );
    expect(run.stderr).toBe(`exported 3 booking(s) to ${out}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');

    const rows = rowsOf(await readFile(out, 'utf8'));
    const confirmed = bookings.filter((b) => b.status === 'confirmed');
    expect(rows.map((r) => r.booking_id).sort()).toEqual(confirmed.map((b) => b.id).sort());
    for (const booking of confirmed) {
      const row = rows.find((r) => r.booking_id === booking.id);
      expect(row).toEqual({
        booking_id: booking.id,
        event_id: eventId,
        event_title: title,
        status: 'confirmed',
        quantity: String(booking.quantity),
        unit_price_cents: '1250',
        total_cents: String(booking.totalCents),
        currency: 'EUR',
        user_id: booking.userId,
        created_at: booking.createdAt,
        confirmed_at: booking.confirmedAt,
        cancelled_at: '',
      });
    }
  });

  it('an admin exports every booking with the attendees’ names to stdout', async () => {
    const run = await runExample(
      ['--url', api.url, '--event', eventId, '--status', 'all', '--with-users'],
      { EVENTLY_EMAIL: api.admin.email, EVENTLY_PASSWORD: api.admin.password },
    );
    expect(run.stderr).toBe('exported 5 booking(s)\n');
    expect(run.code).toBe(0);
    const rows = rowsOf(run.stdout);
    expect(rows.map((r) => [r.booking_id, r.status]).sort()).toEqual(
      bookings.map((b) => [b.id, b.status]).sort(),
    );
    const names = new Set(rows.map((r) => `${r.user_email} ${r.user_name}`));
    // Quotes, commas and newlines survive; a formula is defused for spreadsheets.
    expect([...names].sort()).toEqual([
      `jane@example.com ${jane}`,
      `mallory@example.com '${formula}`,
    ]);
  });

  it('a user who is not the organizer is refused with a typed error', async () => {
    const run = await runExample(['--url', api.url, '--event', eventId], {
      EVENTLY_EMAIL: 'jane@example.com',
      EVENTLY_PASSWORD: 'a password for the example tests',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^FORBIDDEN: /);
  });
});

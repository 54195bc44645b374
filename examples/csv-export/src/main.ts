import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createEventlyClient, isEventlyError } from '@evently/sdk';
import { exportAttendees } from './export-attendees.js';

const HELP = `Exports an event's attendees to CSV (signed in as its organizer, or an admin).

  pnpm start --event ID [--out FILE] [--status confirmed|pending|cancelled|expired|all]
             [--with-users] [--page-size N] [--url URL] [--email E --password P]

  --event       the event (EVENTLY_EVENT_ID)
  --out         a file to write (default: standard output)
  --status      which bookings (default confirmed)
  --with-users  add each attendee's email and name (admins only)
  --url         the API (EVENTLY_URL, default http://127.0.0.1:3000)
  --email, --password  the organizer's account (EVENTLY_EMAIL, EVENTLY_PASSWORD)`;

const statuses = ['confirmed', 'pending', 'cancelled', 'expired', 'all'] as const;
const isStatus = (value: string): value is (typeof statuses)[number] =>
  (statuses as readonly string[]).includes(value);

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.EVENTLY_URL ?? 'http://127.0.0.1:3000' },
    email: { type: 'string', default: process.env.EVENTLY_EMAIL },
    password: { type: 'string', default: process.env.EVENTLY_PASSWORD },
    event: { type: 'string', default: process.env.EVENTLY_EVENT_ID },
    out: { type: 'string' },
    status: { type: 'string', default: 'confirmed' },
    'with-users': { type: 'boolean', default: false },
    'page-size': { type: 'string', default: '100' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help || !values.event || !values.email || !values.password) {
  console.error(HELP);
  process.exit(values.help ? 0 : 2);
}
if (!isStatus(values.status)) {
  console.error(`--status must be one of ${statuses.join(', ')}`);
  process.exit(2);
}

const client = createEventlyClient({ url: values.url });
const out = values.out ? createWriteStream(values.out) : process.stdout;
try {
  await client.session.login({ email: values.email, password: values.password });
  const { rows } = await exportAttendees(client, out, {
    eventId: values.event,
    status: values.status,
    pageSize: Number(values['page-size']),
    withUsers: values['with-users'],
  });
  if (out !== process.stdout) {
    out.end();
    await finished(out);
  }
  console.error(`exported ${rows} booking(s)${values.out ? ` to ${values.out}` : ''}`);
  await client.session.logout();
} catch (error) {
  if (isEventlyError(error, 'FORBIDDEN'))
    console.error(
      'FORBIDDEN: sign in as the event’s organizer or an admin (--with-users: an admin)',
    );
  else if (isEventlyError(error)) console.error(`${error.appCode}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { isEventlyError } from '@evently/sdk';
import { bookSeat } from './book-seat.js';

const HELP = `Books a seat on an Evently server, end to end (a paid seat waits for its payment).

  pnpm start [--url URL] [--email E --password P] [--name N] [--code OTP] [--event ID] [--quantity N]

  --url       the API (EVENTLY_URL, default http://127.0.0.1:3000)
  --email     account to use (EVENTLY_EMAIL; default a new reader-…@example.com)
  --password  its password (EVENTLY_PASSWORD; default a random one, printed)
  --code      the verification code mailed to you (EVENTLY_OTP); without it the code is read
              from the dev mailbox of embedded mode, or asked for on a terminal
  --event     event id to book (EVENTLY_EVENT_ID; default the first with free seats)
  --quantity  seats to book (default 1)`;

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.EVENTLY_URL ?? 'http://127.0.0.1:3000' },
    email: { type: 'string', default: process.env.EVENTLY_EMAIL },
    password: { type: 'string', default: process.env.EVENTLY_PASSWORD },
    name: { type: 'string', default: 'Ada Reader' },
    code: { type: 'string', default: process.env.EVENTLY_OTP },
    event: { type: 'string', default: process.env.EVENTLY_EVENT_ID },
    quantity: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const email = values.email ?? `reader-${randomUUID().slice(0, 8)}@example.com`;
const password = values.password ?? `pw-${randomUUID()}`;
if (!values.email) console.log(`→ new account ${email}, password ${password}`);

/** On a terminal, a code that cannot be read from a dev mailbox is typed in. */
const askCode = process.stdin.isTTY
  ? async () => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return (await rl.question(`Code mailed to ${email}: `)).trim();
      } finally {
        rl.close();
      }
    }
  : undefined;

try {
  const { booking } = await bookSeat({
    url: values.url,
    email,
    password,
    name: values.name,
    code: values.code,
    askCode,
    eventId: values.event,
    quantity: Number(values.quantity),
    log: (line) => console.log(`→ ${line}`),
  });
  console.log(
    booking.status === 'pending'
      ? `done: booking ${booking.id} is pending until its payment arrives (seats held until ${booking.expiresAt})`
      : `done: booking ${booking.id} is ${booking.status}`,
  );
} catch (error) {
  // Typed errors say what went wrong in the API's own words (SOLD_OUT, RATE_LIMITED, …).
  if (isEventlyError(error, 'RATE_LIMITED'))
    console.error(`RATE_LIMITED: try again in ${error.retryAfterSeconds} s`);
  else if (isEventlyError(error)) console.error(`${error.appCode}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

import { parseArgs } from 'node:util';
import { isEventlyError } from '@evently/sdk';
import { DeliveryRefused, payByCard } from './pay-by-card.js';

const HELP = `Pays for a booking by card on an Evently server in Stripe test mode, playing Stripe's part
locally: a checkout, then the signed payment_intent.succeeded webhook that confirms the booking.

  pnpm start --booking ID [--deliveries N]

  --url         the API (EVENTLY_URL, default http://127.0.0.1:3000)
  --email       the booking's buyer (EVENTLY_EMAIL)
  --password    their password (EVENTLY_PASSWORD)
  --booking     the pending paid booking (EVENTLY_BOOKING_ID)
  --secret      the API's STRIPE_WEBHOOK_SECRET (whsec_…; default that variable)
  --deliveries  how often Stripe delivers the event (default 2: a retry is handled once)`;

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.EVENTLY_URL ?? 'http://127.0.0.1:3000' },
    email: { type: 'string', default: process.env.EVENTLY_EMAIL },
    password: { type: 'string', default: process.env.EVENTLY_PASSWORD },
    booking: { type: 'string', default: process.env.EVENTLY_BOOKING_ID },
    secret: { type: 'string', default: process.env.STRIPE_WEBHOOK_SECRET },
    deliveries: { type: 'string', default: '2' },
    help: { type: 'boolean', default: false },
  },
});

const { email, password, booking: bookingId, secret } = values;
const deliveries = Number(values.deliveries);
if (
  values.help ||
  !email ||
  !password ||
  !bookingId ||
  !secret ||
  !Number.isInteger(deliveries) ||
  deliveries < 1
) {
  console.error(HELP);
  process.exit(values.help ? 0 : 2);
}

try {
  const { booking } = await payByCard({
    url: values.url,
    email,
    password,
    bookingId,
    webhookSecret: secret,
    deliveries,
    log: (line) => console.log(`→ ${line}`),
  });
  console.log(`done: booking ${booking.id} is ${booking.status}`);
} catch (error) {
  // A refused delivery (a bad signature, an amount that is not the total) changes nothing.
  if (error instanceof DeliveryRefused)
    console.error(
      `${error.answer.appCode ?? `HTTP ${error.answer.status}`}: ${error.answer.message}`,
    );
  else if (isEventlyError(error)) console.error(`${error.appCode}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

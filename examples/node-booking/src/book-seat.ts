import {
  createEventlyClient,
  type EventlyClient,
  isEventlyError,
  type RouterOutputs,
} from '@evently/sdk';
import { verificationCodeFromDevMailbox } from './dev-mailbox.js';

type Event = RouterOutputs['events']['get'];
type Booking = RouterOutputs['bookings']['create'];

export interface BookSeatOptions {
  /** The API, e.g. `http://127.0.0.1:3000`. */
  url: string;
  email: string;
  password: string;
  name: string;
  /** A code from the verification mail; without one it is read from the embedded dev mailbox. */
  code?: string | undefined;
  /** Asked when there is neither a code nor a dev mailbox (e.g. a prompt on a terminal). */
  askCode?: (() => Promise<string>) | undefined;
  /** The event to book; default: the first published event with enough seats. */
  eventId?: string | undefined;
  quantity: number;
  log: (line: string) => void;
}

export interface BookSeatResult {
  event: Event;
  booking: Booking;
  /** Set when the booking waits for its payment. */
  payment?: PaymentDue | undefined;
}

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

/** A code for `email`: the one given, the dev mailbox's, or the one the user is asked for. */
async function obtainCode(options: BookSeatOptions): Promise<string> {
  if (options.code) {
    options.log('using the verification code given');
    return options.code;
  }
  const fromMailbox = await verificationCodeFromDevMailbox(options.url, options.email);
  if (fromMailbox) {
    options.log(`verification code ${fromMailbox} read from the dev mailbox`);
    return fromMailbox;
  }
  if (options.askCode) return options.askCode();
  throw new Error(
    `This server has no dev mailbox: run again with --code <the code mailed to ${options.email}>`,
  );
}

/** Signs in, registering and verifying the account first when it needs it. */
async function signIn(client: EventlyClient, options: BookSeatOptions): Promise<void> {
  const { email, password } = options;
  options.log(`signing in as ${email}`);
  try {
    await client.session.login({ email, password });
    return;
  } catch (error) {
    if (isEventlyError(error, 'INVALID_CREDENTIALS') && !options.code) {
      // Unknown email (or a wrong password: then the mail says the account exists).
      options.log('no account with that password: registering');
      await client.auth.register.mutate({ email, password, name: options.name });
    } else if (isEventlyError(error, 'EMAIL_NOT_VERIFIED')) {
      options.log('the account is not verified yet');
      // A given code belongs to a mail sent earlier; otherwise ask for a fresh one.
      if (!options.code) await client.auth.resendVerification.mutate({ email });
    } else {
      throw error;
    }
  }
  const code = await obtainCode(options);
  await client.auth.verifyEmail.mutate({ email, code });
  const tokens = await client.session.login({ email, password });
  options.log(`email verified; signed in as user ${tokens.user.id}`);
}

/** The event to book: the given one, or the first published one with enough free seats. */
async function chooseEvent(client: EventlyClient, options: BookSeatOptions): Promise<Event> {
  if (options.eventId) return client.events.get.query({ id: options.eventId });
  for await (const event of client.paginate(client.events.list, {
    status: 'published',
    limit: 50,
  })) {
    if (event.availability.available >= options.quantity) return event;
  }
  throw new Error(`No published event has ${options.quantity} free seat(s)`);
}

/**
 * How a pending paid booking gets paid: a Stripe checkout the server started (a web page hands
 * `clientSecret` to Stripe.js), or — when the server takes no online payment — the organizer
 * confirms the booking on receiving the money (`payments.markPaid`).
 */
export type PaymentDue =
  | { by: 'stripe'; paymentIntentId: string; clientSecret: string }
  | { by: 'organizer' };

/**
 * A paid booking is confirmed by its payment, never by its buyer (`bookings.confirm` answers
 * PAYMENT_REQUIRED): start a Stripe checkout when the server offers one.
 */
async function startPayment(client: EventlyClient, bookingId: string): Promise<PaymentDue> {
  try {
    const checkout = await client.payments.createCheckout.mutate({ bookingId });
    return { by: 'stripe', ...checkout };
  } catch (error) {
    // The server has no STRIPE_SECRET_KEY: "Online payment is not configured".
    if (isEventlyError(error, 'INVALID_STATE')) return { by: 'organizer' };
    throw error;
  }
}

/** register -> verification code -> login -> book -> pay, telling each step to `log`. */
export async function bookSeat(options: BookSeatOptions): Promise<BookSeatResult> {
  const client = createEventlyClient({ url: options.url });
  await signIn(client, options);

  const event = await chooseEvent(client, options);
  options.log(
    `event "${event.title}" on ${event.startsAt}: ${event.availability.available} of ${event.capacity} seats free`,
  );

  // The SDK adds an idempotency key, so its own retries never book twice.
  const booking = await client.bookings.create.mutate({
    eventId: event.id,
    quantity: options.quantity,
  });
  const total = money(booking.totalCents, booking.currency);
  if (booking.status !== 'pending') {
    // Free seats are confirmed at once.
    options.log(`booking ${booking.id} ${booking.status} (${booking.quantity} seat(s), ${total})`);
    await client.session.logout();
    return { event, booking };
  }
  options.log(
    `booked ${booking.quantity} seat(s), ${total}: booking ${booking.id} held until ${booking.expiresAt}`,
  );
  const payment = await startPayment(client, booking.id);
  options.log(
    payment.by === 'stripe'
      ? `payment due: Stripe PaymentIntent ${payment.paymentIntentId} for ${total} (a web page hands its client secret to Stripe.js; Stripe's webhook confirms the booking)`
      : `payment due: ${total}; this server takes no online payment, so the organizer confirms the booking when they receive it`,
  );

  await client.session.logout();
  return { event, booking, payment };
}

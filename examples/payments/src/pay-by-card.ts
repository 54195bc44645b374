import { createEventlyClient, type RouterOutputs } from '@evently/sdk';
import {
  type DeliveryAnswer,
  deliver,
  paymentIntentSucceeded,
  signDelivery,
} from './stripe-stand-in.js';

type Booking = RouterOutputs['bookings']['get'];
type Payment = RouterOutputs['payments']['forBooking']['payments'][number];

export interface PayByCardOptions {
  /** The API, e.g. `http://127.0.0.1:3000`; it must run with STRIPE_SECRET_KEY and _WEBHOOK_SECRET. */
  url: string;
  /** The buyer: only a booking's owner may start its checkout. */
  email: string;
  password: string;
  bookingId: string;
  /** The webhook's signing secret the API was started with (STRIPE_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** How often Stripe delivers the event (at least once; a retry is the same event). */
  deliveries: number;
  log: (line: string) => void;
}

export interface PayByCardResult {
  booking: Booking;
  answers: DeliveryAnswer[];
  payments: Payment[];
}

/** The API refused a delivery: nothing was recorded, and Stripe would deliver it again. */
export class DeliveryRefused extends Error {
  constructor(readonly answer: DeliveryAnswer) {
    super(`the webhook answered HTTP ${answer.status} ${answer.appCode ?? ''}: ${answer.message}`);
  }
}

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

/**
 * The buyer's checkout, then Stripe's part played locally: the card is charged (here: taken as
 * charged) and Stripe reports it with a signed `payment_intent.succeeded` webhook, which
 * confirms the booking — once, however often it is delivered.
 */
export async function payByCard(options: PayByCardOptions): Promise<PayByCardResult> {
  const buyer = createEventlyClient({ url: options.url });
  await buyer.session.login({ email: options.email, password: options.password });
  try {
    const held = await buyer.bookings.get.query({ bookingId: options.bookingId });
    const total = money(held.totalCents, held.currency);
    options.log(`booking ${held.id} ${held.status}: ${held.quantity} seat(s), ${total}`);

    // 1. The buyer's page asks for a checkout: the API creates a Stripe PaymentIntent for the
    //    booking's total. A real page hands `clientSecret` to Stripe.js (`confirmPayment`), which
    //    takes the card; the secret stays in the browser, never in a log or a URL.
    const checkout = await buyer.payments.createCheckout.mutate({ bookingId: held.id });
    options.log(
      `checkout: Stripe PaymentIntent ${checkout.paymentIntentId} (its client secret is for Stripe.js)`,
    );

    // 2. Stripe charged the card and tells the API, signing the event with the webhook's secret.
    const event = paymentIntentSucceeded({
      paymentIntentId: checkout.paymentIntentId,
      bookingId: held.id,
      amountCents: held.totalCents,
      currency: held.currency,
    });
    options.log(`as Stripe: ${event.type} ${event.id}, ${total}, signed with the test helper`);
    const delivery = signDelivery(event, options.webhookSecret);
    const answers: DeliveryAnswer[] = [];
    for (let n = 1; n <= options.deliveries; n += 1) {
      const answer = await deliver(options.url, delivery);
      if (answer.status !== 200) throw new DeliveryRefused(answer);
      options.log(`delivery ${n}: HTTP ${answer.status} ${answer.outcome}`);
      answers.push(answer);
    }

    // 3. What the buyer sees now.
    const booking = await buyer.bookings.get.query({ bookingId: held.id });
    const { payments } = await buyer.payments.forBooking.query({ bookingId: held.id });
    for (const p of payments) {
      options.log(
        `payment: ${money(p.amountCents, p.currency)} by ${p.method} via ${p.provider} (${p.reference})`,
      );
    }
    return { booking, answers, payments };
  } finally {
    await buyer.session.logout();
  }
}

import { parseArgs } from 'node:util';
import { createEventlyClient, isEventlyError, memberRoles } from '@evently/sdk';
import {
  accept,
  checkAtTheDoor,
  invite,
  markPaid,
  parseAmount,
  paymentMethods,
  pendingRefunds,
  refundDone,
} from './team.js';

const HELP = `Runs an event as a team: an owner invites door staff, who may read the attendee list but
not cancel a booking; owners and managers take the money. Each command signs in as the account it
acts for.

  pnpm start invite --email E --role staff [--organization ID]   (as an owner)
  pnpm start accept --code CODE                                  (as the invited account)
  pnpm start door --event ID                                     (as a member)
  pnpm start mark-paid --booking ID --amount 25.00 --currency EUR [--method transfer] --reference R
                                                                 (as an owner or manager)
  pnpm start refunds --event ID                                  (as an owner or manager)
  pnpm start refund-done --refund ID --reference R               (as an owner or manager)

  --url                 the API (EVENTLY_URL, default http://127.0.0.1:3000)
  --as-email, --as-password  who signs in (EVENTLY_EMAIL, EVENTLY_PASSWORD)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.EVENTLY_URL ?? 'http://127.0.0.1:3000' },
    'as-email': { type: 'string', default: process.env.EVENTLY_EMAIL },
    'as-password': { type: 'string', default: process.env.EVENTLY_PASSWORD },
    email: { type: 'string' },
    role: { type: 'string', default: 'staff' },
    organization: { type: 'string' },
    code: { type: 'string' },
    event: { type: 'string' },
    booking: { type: 'string' },
    amount: { type: 'string' },
    currency: { type: 'string' },
    method: { type: 'string', default: 'transfer' },
    reference: { type: 'string' },
    refund: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const [command] = positionals;
const email = values['as-email'];
const password = values['as-password'];
if (values.help || !command || !email || !password) {
  console.error(HELP);
  process.exit(values.help ? 0 : 2);
}
const role = memberRoles.find((r) => r === values.role);
if (!role) {
  console.error(`--role must be one of ${memberRoles.join(', ')}`);
  process.exit(2);
}
const method = paymentMethods.find((m) => m === values.method);
if (!method) {
  console.error(`--method must be one of ${paymentMethods.join(', ')}`);
  process.exit(2);
}

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(cents / 100);

const client = createEventlyClient({ url: values.url });
try {
  await client.session.login({ email, password });
  if (command === 'invite' && values.email) {
    const sent = await invite(client, {
      email: values.email,
      role,
      organizationId: values.organization,
    });
    console.log(
      `invited ${sent.email} as ${sent.role}; the code is in their mail until ${sent.expiresAt}`,
    );
  } else if (command === 'accept' && values.code) {
    const joined = await accept(client, values.code);
    console.log(`joined organization ${joined.organizationId} as ${joined.role}`);
  } else if (command === 'door' && values.event) {
    const check = await checkAtTheDoor(client, values.event);
    console.log(`attendee list: ${check.attendees} confirmed booking(s)`);
    console.log(`cancelling one: ${check.cancel}`);
  } else if (
    command === 'mark-paid' &&
    values.booking &&
    values.amount &&
    values.currency &&
    values.reference
  ) {
    const booking = await markPaid(client, {
      bookingId: values.booking,
      amountCents: parseAmount(values.amount),
      currency: values.currency.toUpperCase(),
      method,
      reference: values.reference,
    });
    const paid = money(booking.totalCents, booking.currency);
    console.log(`booking ${booking.id} ${booking.status}: ${paid} received by ${method}`);
  } else if (command === 'refunds' && values.event) {
    const refunds = await pendingRefunds(client, values.event);
    console.log(`${refunds.length} refund(s) to pay back`);
    for (const refund of refunds) {
      const amount = money(refund.amountCents, refund.currency);
      console.log(`  ${refund.id}  ${amount}  booking ${refund.bookingId}  (${refund.reason})`);
    }
  } else if (command === 'refund-done' && values.refund && values.reference) {
    const refund = await refundDone(client, values.refund, values.reference);
    const amount = money(refund.amountCents, refund.currency);
    console.log(`refund ${refund.id} ${refund.status}: ${amount} paid back (${refund.reference})`);
  } else {
    console.error(HELP);
    process.exitCode = 2;
  }
  await client.session.logout();
} catch (error) {
  if (isEventlyError(error)) console.error(`${error.appCode}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

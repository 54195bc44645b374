import { parseArgs } from 'node:util';
import { createEventlyClient, isEventlyError, memberRoles } from '@evently/sdk';
import { accept, checkAtTheDoor, invite } from './team.js';

const HELP = `Runs an event as a team: an owner invites door staff, who may read the attendee list but
not cancel a booking. Each command signs in as the account it acts for.

  pnpm start invite --email E --role staff [--organization ID]   (as an owner)
  pnpm start accept --code CODE                                  (as the invited account)
  pnpm start door --event ID                                     (as a member)

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

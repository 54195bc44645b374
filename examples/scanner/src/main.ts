import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { checkinDirections, createEventlyClient, isEventlyError } from '@evently/sdk';
import { Scanner } from './scanner.js';

const HELP = `A door without a network: exports a check-in list, decides each scanned code offline
from the exported keys, then syncs the scans and prints where the server decided otherwise.

  pnpm start --list ID [--gate G] [--direction entry|exit] [CODE…]
  (no CODE: one code a line from stdin)

  --url                       the API (EVENTLY_URL, default http://127.0.0.1:3000)
  --list                      the check-in list (EVENTLY_LIST)
  --as-email, --as-password   a staff member of the event's organization
                              (EVENTLY_EMAIL, EVENTLY_PASSWORD)`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: process.env.EVENTLY_URL ?? 'http://127.0.0.1:3000' },
    'as-email': { type: 'string', default: process.env.EVENTLY_EMAIL },
    'as-password': { type: 'string', default: process.env.EVENTLY_PASSWORD },
    list: { type: 'string', default: process.env.EVENTLY_LIST },
    gate: { type: 'string', default: 'scanner' },
    direction: { type: 'string', default: 'entry' },
    help: { type: 'boolean', default: false },
  },
});
const email = values['as-email'];
const password = values['as-password'];
const direction = checkinDirections.find((d) => d === values.direction);
if (values.help || !email || !password || !values.list || !direction) {
  console.error(HELP);
  process.exit(values.help ? 0 : 2);
}

async function* codes(): AsyncGenerator<string> {
  if (positionals.length > 0) yield* positionals;
  else for await (const line of createInterface({ input: process.stdin })) yield line.trim();
}

const client = createEventlyClient({ url: values.url });
try {
  await client.session.login({ email, password });
  const scanner = new Scanner(client);
  const { list, tickets } = await scanner.load(values.list);
  const inside = tickets.filter((t) => t.inside).length;
  console.log(`list ${list.name}: ${tickets.length} ticket(s), ${inside} inside`);
  // From here until sync the door needs no network.
  for await (const code of codes()) {
    if (!code) continue;
    const scan = await scanner.scan(code, { gate: values.gate, direction });
    console.log(`${scan.result.padEnd(11)} ${scan.ticketId ?? '-'}`);
  }
  const { synced, conflicts } = await scanner.sync();
  console.log(`synced ${synced.length} scan(s), ${conflicts.length} conflict(s)`);
  for (const c of conflicts) {
    const first = c.firstScan ? ` (in at ${c.firstScan.at}, ${c.firstScan.gate ?? 'no gate'})` : '';
    console.log(`  ${c.ticketId ?? '-'}: door ${c.result}, server ${c.server}${first}`);
  }
  await client.session.logout();
} catch (error) {
  if (isEventlyError(error)) console.error(`${error.appCode}: ${error.message}`);
  else console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}

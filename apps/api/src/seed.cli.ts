// `pnpm seed`: demo data — an admin (ADMIN_EMAIL/ADMIN_PASSWORD, or a local default) who
// organizes a handful of events. Run it before `pnpm start` in embedded mode (one process may
// hold the embedded database at a time). Running it again adds nothing.
import { createLogger, openInfrastructure } from '@evently/platform';
import { createModules } from './composition/create-modules.js';
import { readApiEnv } from './env.js';

const env = readApiEnv();
const log = createLogger({ name: 'evently-seed', level: 'warn' });
const infra = await openInfrastructure(env, log);
let closeModules = async () => {};
try {
  const modules = await createModules({
    db: infra.db,
    platform: infra.platform,
    config: {
      auth: { jwtSecret: env.JWT_SECRET, accessTokenTtlSeconds: 60, refreshTokenTtlSeconds: 60 },
      mode: env.DATABASE_URL ? 'production' : 'embedded',
      version: 'seed',
    },
    log,
  });
  closeModules = () => modules.close();
  const { auth, events } = modules.services;
  const email = env.ADMIN_EMAIL ?? 'admin@evently.local';
  const password = env.ADMIN_PASSWORD ?? 'evently-admin-password';
  const admin = await auth.ensureAdmin({ email, password });
  const principal = {
    kind: 'user' as const,
    userId: admin.id,
    role: admin.role,
    sessionId: 'seed',
  };
  const existing = await events.list(principal, { limit: 1, q: 'demo' });
  if (existing.items.length > 0) {
    console.log(`Demo data already there. Sign in as ${email}.`);
  } else {
    const venues = ['Town Hall', 'Harbour Stage', 'Old Library', 'Riverside Park'];
    const titles = [
      'Jazz night',
      'Chamber music',
      'Poetry slam',
      'Open-air cinema',
      'Tech meetup',
      'Food market',
    ];
    const day = 86_400_000;
    for (const [i, title] of titles.entries()) {
      const startsAt = new Date(Date.now() + (i + 3) * day);
      const event = await events.create(principal, {
        title: `${title} (demo)`,
        description: `A demo event: ${title.toLowerCase()} with friends.`,
        venue: venues[i % venues.length] ?? 'Town Hall',
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
        capacity: 20 + i * 30,
        priceCents: i % 3 === 0 ? 0 : 1500 + i * 500,
        currency: 'EUR',
        maxPerBooking: 4,
        maxPerUser: 8,
        salesStartAt: null,
        salesEndAt: null,
        // Attendees may cancel until a day before, keeping 10 % as the fee.
        cancellationPolicy:
          i % 3 === 0
            ? null
            : {
                attendeeMayCancelUntil: new Date(startsAt.getTime() - day).toISOString(),
                feePercent: 10,
              },
      });
      if (i < titles.length - 1) await events.publish(principal, event.id);
    }
    // The password is printed only when it is the local default, never one from the environment.
    const credentials = env.ADMIN_PASSWORD ? email : `${email} / ${password}`;
    console.log(
      `Seeded ${titles.length} demo events (one left as a draft). Sign in as ${credentials}.`,
    );
  }
} finally {
  await closeModules();
  await infra.close();
}

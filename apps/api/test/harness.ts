import { randomUUID } from 'node:crypto';
import type { MemberRole, TokenPair } from '@evently/contracts';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import { createPlatform, type Platform, type QueuePort } from '@evently/platform';
import {
  connectTestRedis,
  deleteKeysByPrefix,
  type ReceivedMail,
  type SmtpSink,
  startSmtpSink,
  TEST_REDIS_URL,
} from '@evently/platform/testing';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import type { Logger } from 'pino';
import { pino } from 'pino';
import {
  createModules,
  type Modules,
  type ModulesConfig,
} from '../src/composition/create-modules.js';
import { startWorkerRuntime, type WorkerRuntime } from '../src/composition/worker-runtime.js';
import type { MetricsAccess } from '../src/http/metrics-access.js';
import type { MailSenderOptions } from '../src/modules/notifications/mail-sender.js';
import type { StripeConfig } from '../src/modules/payments/stripe-gateway.js';
import { type ApiServer, createServer } from '../src/server.js';
import type { Services } from '../src/services.js';

export const TEST_PASSWORD = 'correct horse battery staple';
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface TestAppOptions {
  /** Defaults to a silent logger. */
  log?: Logger;
  accessTokenTtlSeconds?: number;
  /**
   * Fastify trustProxy, as TRUST_PROXY would set it. Default: loopback is a trusted proxy and each
   * client gets an address of its own (X-Forwarded-For), as real users behind a load balancer
   * would — otherwise every test user would share one IP's rate limits.
   */
  trustProxy?: boolean | number | string[];
  /**
   * BOOKING_HOLD_MINUTES and WAITLIST_OFFER_MINUTES for the API's services and the worker
   * (defaults 15 and 30). Fractional minutes are fine: 0.05 is a 3 s hold.
   */
  bookings?: ModulesConfig['bookings'];
  /** The clock of the API's services and the worker (tests move it instead of sleeping). */
  now?: () => Date;
  /** How often open streams re-check their access without a published revocation (default 3 s). */
  streamCheckMs?: number;
  /** The mail sender's retries and polling. */
  mailSender?: MailSenderOptions;
  /**
   * Something between the mail sender and the SMTP sink (a gate that refuses mails, say): given
   * the sink, it answers the SMTP URL the platform sends to. Closed with the app.
   */
  smtpFront?: (sink: SmtpSink) => Promise<{ url: string; close(): Promise<void> }>;
  /** `/metrics` access (default: open, as outside production). */
  metrics?: MetricsAccess;
  /** `false`: no worker until `startWorker()` (tests that watch the outbox wait for it). */
  worker?: boolean;
  /** Stripe's keys and where its library calls go (a local endpoint: test/stripe-endpoint.ts). */
  stripe?: StripeConfig;
  /** `false`: no admin account is made (a database with nothing in it, outbox included). */
  admin?: boolean;
  /** Webhooks (default: private networks allowed, as the test receivers listen on 127.0.0.1). */
  webhooks?: ModulesConfig['webhooks'];
  /** API_KEY_REQUESTS_PER_MINUTE (default 1,200). */
  apiKeyRequestsPerMinute?: number;
}

export interface TestApp {
  url: string;
  db: TestDatabase;
  platform: Platform;
  /** The Redis key prefix of this app (BullMQ's keys sit under `<redisPrefix>:bull:`). */
  redisPrefix: string;
  services: Services;
  /** The app as the composition root built it (its worker parts, derived queues, close). */
  modules: Modules;
  smtp: SmtpSink;
  /** Starts the worker of an app started with `worker: false` (`queue` wraps the platform's). */
  startWorker(options?: { queue?: QueuePort }): Promise<void>;
  /** An SDK client, signed in with `accessToken` when given. */
  client(accessToken?: string, headers?: Record<string, string>): EventlyClient;
  /** Waits for the next mail to `to` whose subject matches. */
  mail(to: string, subject: RegExp): Promise<ReceivedMail>;
  /** register -> code from the mail -> verify -> login; optionally promoted by the admin. */
  signUp(options?: {
    email?: string;
    name?: string;
    role?: 'organizer' | 'admin';
  }): Promise<SignedUp>;
  /** The admin of ADMIN_EMAIL, signed in. */
  admin(): Promise<SignedUp>;
  /**
   * Another API server on the same database and Redis prefix, as a second instance behind a load
   * balancer: its own platform connections and its own services (so its own in-process caches),
   * no worker. `close()` stops it too.
   */
  startInstance(): Promise<TestInstance>;
  close(): Promise<void>;
}

/** A further API instance of a TestApp (see `startInstance`). */
export interface TestInstance {
  url: string;
  platform: Platform;
  services: Services;
  /** An SDK client of this instance, signed in with `accessToken` when given. */
  client(accessToken?: string, headers?: Record<string, string>): EventlyClient;
  close(): Promise<void>;
}

export interface SignedUp {
  email: string;
  tokens: TokenPair;
  client: EventlyClient;
}

/** The single-use code of an organization invitation's mail (32 base64url characters). */
export function invitationCodeIn(mail: ReceivedMail): string {
  // On a line of its own (a code may begin or end with - or _, so no word boundaries).
  const match = /^\s+([A-Za-z0-9_-]{32})$/m.exec(mail.text);
  if (!match?.[1]) throw new Error(`no invitation code in mail "${mail.subject}"`);
  return match[1];
}

/** `member` joins the organization as `role`: `inviter` invites them, they accept the mailed code. */
export async function joinOrganization(
  app: Pick<TestApp, 'mail'>,
  inviter: SignedUp,
  organizationId: string,
  member: SignedUp,
  role: MemberRole,
): Promise<void> {
  await inviter.client.organizations.members.invite.mutate({
    organizationId,
    email: member.email,
    role,
  });
  const code = invitationCodeIn(await app.mail(member.email, /invited/));
  await member.client.organizations.invitations.accept.mutate({ code });
}

export function codeIn(mail: ReceivedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no code in mail "${mail.subject}"`);
  return match[1];
}

/**
 * The real thing on real services: its own Postgres database, its own Redis key prefix, an SMTP
 * sink, the API over HTTP and the worker (so mails flow through the outbox), in a line.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  // Errors only, to stderr: an unexpected INTERNAL in a test shows its cause in the output.
  const log = options.log ?? pino({ level: 'error' }, pino.destination(2));
  const db = await createTestDatabase('api');
  const smtp = await startSmtpSink();
  const front = options.smtpFront ? await options.smtpFront(smtp) : undefined;
  const prefix = `t:${randomUUID()}`;
  const config = {
    redisUrl: TEST_REDIS_URL,
    smtpUrl: front?.url ?? smtp.url,
    mailFrom: 'Evently <test@evently.local>',
    prefix,
  };
  const platform = await createPlatform(config, log);
  const modulesFor = (ports: Platform) =>
    createModules({
      db: db.handle,
      platform: ports,
      config: {
        auth: {
          jwtSecret: TEST_JWT_SECRET,
          accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 900,
          refreshTokenTtlSeconds: 30 * 86_400,
        },
        ...(options.bookings && { bookings: options.bookings }),
        ...(options.streamCheckMs && { streamCheckMs: options.streamCheckMs }),
        ...(options.mailSender && { mailSender: options.mailSender }),
        ...(options.stripe && { stripe: options.stripe }),
        ...(options.apiKeyRequestsPerMinute && {
          apiKeyRequestsPerMinute: options.apiKeyRequestsPerMinute,
        }),
        webhooks: options.webhooks ?? { allowPrivateNetworks: true },
        mode: 'production',
        version: 'test',
      },
      log,
      ...(options.now && { now: options.now }),
    });
  const modules = await modulesFor(platform);
  const { services } = modules;
  const adminEmail = `admin-${randomUUID()}@example.com`;
  if (options.admin !== false) {
    await services.auth.ensureAdmin({ email: adminEmail, password: TEST_PASSWORD });
  }
  const serverFor = (
    ports: Platform,
    forServices: Services,
    stripeWebhook = modules.http.stripeWebhook,
  ): Promise<ApiServer> =>
    createServer({
      config: {
        host: '127.0.0.1',
        port: 0,
        corsOrigins: [],
        trustProxy: options.trustProxy ?? ['127.0.0.1'],
        ...(options.metrics && { metrics: options.metrics }),
      },
      log,
      services: forServices,
      checks: [{ name: 'database', check: () => db.handle.ping() }, ...ports.checks],
      stripeWebhook,
    });
  const server = await serverFor(platform, services);
  let worker: WorkerRuntime | undefined;
  const startWorker = async (opts: { queue?: QueuePort } = {}) => {
    if (worker) throw new Error('the worker runs already');
    worker = await startWorkerRuntime({
      db: db.handle,
      queue: opts.queue ?? platform.queue,
      parts: modules.worker,
      log,
    });
  };
  if (options.worker !== false) await startWorker();
  const url = await server.start();
  const seen = new Set<ReceivedMail>();

  let clients = 0;
  const clientOf =
    (baseUrl: string) =>
    (accessToken?: string, headers: Record<string, string> = {}) => {
      clients += 1;
      const address = `10.${(clients >> 16) & 255}.${(clients >> 8) & 255}.${clients & 255}`;
      return createEventlyClient({
        url: baseUrl,
        headers: () => ({
          'x-forwarded-for': address,
          ...headers,
          ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
        }),
      });
    };
  const client = clientOf(url);
  const instances = new Set<TestInstance>();

  const app: TestApp = {
    url,
    db,
    platform,
    redisPrefix: prefix,
    services,
    modules,
    smtp,
    startWorker,
    client,
    async mail(to, subject) {
      const mail = await smtp.waitFor(
        (m) => !seen.has(m) && m.to.includes(to) && subject.test(m.subject),
        15_000,
      );
      seen.add(mail);
      return mail;
    },
    async signUp(opts = {}) {
      const email = opts.email ?? `user-${randomUUID()}@example.com`;
      const anonymous = client();
      await anonymous.auth.register.mutate({
        email,
        password: TEST_PASSWORD,
        name: opts.name ?? 'Test User',
      });
      const code = codeIn(await app.mail(email, /verif|code/i));
      await anonymous.auth.verifyEmail.mutate({ email, code });
      if (opts.role) {
        const admin = await app.admin();
        const { items } = await admin.client.auth.users.list.query({ q: email });
        const id = items[0]?.id;
        if (!id) throw new Error('signed-up user not found');
        await admin.client.auth.users.setRole.mutate({ userId: id, role: opts.role });
      }
      const tokens = await anonymous.auth.login.mutate({ email, password: TEST_PASSWORD });
      return { email, tokens, client: client(tokens.accessToken) };
    },
    async admin() {
      const tokens = await client().auth.login.mutate({
        email: adminEmail,
        password: TEST_PASSWORD,
      });
      return { email: adminEmail, tokens, client: client(tokens.accessToken) };
    },
    async startInstance() {
      const ports = await createPlatform(config, log);
      const ownModules = await modulesFor(ports);
      const ownServices = ownModules.services;
      const ownServer = await serverFor(ports, ownServices, ownModules.http.stripeWebhook);
      const ownUrl = await ownServer.start();
      const instance: TestInstance = {
        url: ownUrl,
        platform: ports,
        services: ownServices,
        client: clientOf(ownUrl),
        async close() {
          if (!instances.delete(instance)) return;
          await ownServer.stop();
          await ownModules.close();
          await ports.close();
        },
      };
      instances.add(instance);
      return instance;
    },
    async close() {
      for (const instance of [...instances]) await instance.close();
      await server.stop();
      await worker?.stop();
      await modules.close();
      await platform.close();
      await front?.close();
      await smtp.close();
      await db.drop();
      const redis = await connectTestRedis();
      await deleteKeysByPrefix(redis, `${prefix}:`);
      redis.disconnect();
    },
  };
  return app;
}

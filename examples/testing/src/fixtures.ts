import { createEventlyClient, type EventlyClient, type RouterInputs } from '@evently/sdk';
import { verificationCode } from './dev-mailbox.js';
import type { EmbeddedApi } from './embedded-api.js';

type EventInput = RouterInputs['events']['create'];

/** A client signed in as the server's admin (who may create and publish events). */
export async function adminClient(api: EmbeddedApi): Promise<EventlyClient> {
  const client = createEventlyClient({ url: api.url });
  await client.session.login(api.admin);
  return client;
}

/** A new verified account, signed in: register -> code from the dev mailbox -> verify -> login. */
export async function signUp(
  api: EmbeddedApi,
  account: { email: string; name: string; password?: string },
  /** Sent with every call (an `x-forwarded-for` of its own, where many sign up from one host). */
  headers?: Record<string, string>,
): Promise<EventlyClient> {
  const password = account.password ?? 'a password for the example tests';
  const client = createEventlyClient({ url: api.url, ...(headers && { headers: () => headers }) });
  await client.auth.register.mutate({ email: account.email, name: account.name, password });
  const code = await verificationCode(api.url, account.email);
  await client.auth.verifyEmail.mutate({ email: account.email, code });
  await client.session.login({ email: account.email, password });
  return client;
}

/** A new account made an organizer by the admin, signed in again so its token carries the role. */
export async function signUpOrganizer(
  api: EmbeddedApi,
  admin: EventlyClient,
  account: { email: string; name: string; password: string },
  headers?: Record<string, string>,
): Promise<EventlyClient> {
  const signedUp = await signUp(api, account, headers);
  const { id } = await signedUp.auth.me.query();
  await admin.auth.users.setRole.mutate({ userId: id, role: 'organizer' });
  const client = createEventlyClient({ url: api.url, ...(headers && { headers: () => headers }) });
  await client.session.login({ email: account.email, password: account.password });
  return client;
}

/** Creates and publishes an event a month ahead (overrides win). */
export async function publishEvent(client: EventlyClient, overrides: Partial<EventInput> = {}) {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  startsAt.setUTCHours(19, 0, 0, 0);
  const draft = await client.events.create.mutate({
    title: 'Evening concert',
    description: '',
    venue: 'Main hall',
    startsAt: startsAt.toISOString(),
    endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
    capacity: 10,
    priceCents: 2500,
    currency: 'EUR',
    ...overrides,
  });
  return client.events.publish.mutate({ id: draft.id });
}

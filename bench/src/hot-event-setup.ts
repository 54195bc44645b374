import type { Database } from '@evently/db';
import { createEventlyClient, type EventlyClient } from '@evently/sdk';
import { hash } from '@node-rs/argon2';
import type { Kysely } from 'kysely';

const PASSWORD = 'hot event bench password';
/** Seats of every bench event: the most the contract allows, far above what a run sells. */
export const BENCH_CAPACITY = 1_000_000;

/**
 * Bench user `index` (1-based) has this id, so the pgbench script can name user
 * `:client_id + 1` without a lookup.
 */
export function benchUserId(index: number): string {
  return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

export interface BenchUser {
  id: string;
  accessToken: string;
  /** The API process (base URL) this user's client talks to. */
  url: string;
  client: EventlyClient;
}

/** An SDK client sending `accessToken` to `url` (tokens hold on every process of the cluster). */
export function signedInClient(url: string, accessToken: string): EventlyClient {
  return createEventlyClient({ url, headers: () => ({ authorization: `Bearer ${accessToken}` }) });
}

/**
 * `count` verified users and one organizer, inserted straight into the database (registration
 * mails an OTP; the bench needs none of that), then each logged in through the API it will use
 * (users alternate between the `urls`), each from its own X-Forwarded-For address.
 */
export async function signInUsers(
  db: Kysely<Database>,
  urls: string[],
  count: number,
): Promise<{ users: BenchUser[]; organizer: EventlyClient; organizerToken: string }> {
  // One hash for every account: argon2id costs ~8 ms each, and the bench measures logins elsewhere.
  const passwordHash = await hash(PASSWORD);
  const now = new Date();
  const emails = Array.from({ length: count }, (_, i) => `hot-${i + 1}@bench.example`);
  await db
    .insertInto('users')
    .values([
      ...emails.map((email, i) => ({
        id: benchUserId(i + 1),
        email,
        name: `Hot bench ${i + 1}`,
        role: 'user' as const,
        password_hash: passwordHash,
        email_verified_at: now,
        updated_at: now,
      })),
      {
        id: benchUserId(0),
        email: 'organizer@bench.example',
        name: 'Hot bench organizer',
        role: 'organizer' as const,
        password_hash: passwordHash,
        email_verified_at: now,
        updated_at: now,
      },
    ])
    .execute();

  async function login(email: string, url: string, ip: string): Promise<string> {
    const anonymous = createEventlyClient({ url, headers: () => ({ 'x-forwarded-for': ip }) });
    const { accessToken } = await anonymous.auth.login.mutate({ email, password: PASSWORD });
    return accessToken;
  }

  const users: BenchUser[] = [];
  // A few logins at a time: each is an argon2id verification in one of two API processes.
  for (let start = 0; start < count; start += 8) {
    const chunk = emails.slice(start, start + 8).map(async (email, j) => {
      const i = start + j;
      const url = urls[i % urls.length] ?? '';
      const accessToken = await login(email, url, `10.77.${(i >> 8) & 255}.${i & 255}`);
      return { id: benchUserId(i + 1), accessToken, url, client: signedInClient(url, accessToken) };
    });
    users.push(...(await Promise.all(chunk)));
  }
  const url = urls[0] ?? '';
  const organizerToken = await login('organizer@bench.example', url, '10.78.0.1');
  return { users, organizer: signedInClient(url, organizerToken), organizerToken };
}

/** Free published events (a free booking confirms at once, so no hold ever expires mid-run). */
export async function publishFreeEvents(
  organizer: EventlyClient,
  titles: string[],
): Promise<string[]> {
  const startsAt = new Date(Date.now() + 30 * 86_400_000);
  const ids: string[] = [];
  for (const title of titles) {
    const event = await organizer.events.create.mutate({
      title,
      venue: 'Bench hall',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3 * 3_600_000).toISOString(),
      capacity: BENCH_CAPACITY,
      priceCents: 0,
      currency: 'EUR',
      maxPerBooking: 1,
    });
    await organizer.events.publish.mutate({ id: event.id });
    ids.push(event.id);
  }
  return ids;
}

/** publishFreeEvents with `lanes` calls in flight (thousands of events for the spread sets). */
export async function publishManyFreeEvents(
  organizer: EventlyClient,
  titles: string[],
  lanes = 8,
): Promise<string[]> {
  const size = Math.ceil(titles.length / lanes);
  const chunks = Array.from({ length: lanes }, (_, i) => titles.slice(i * size, (i + 1) * size));
  return (await Promise.all(chunks.map((chunk) => publishFreeEvents(organizer, chunk)))).flat();
}

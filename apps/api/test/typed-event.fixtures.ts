import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import type { EventlyClient } from '@evently/sdk';
import type { Kysely } from 'kysely';
import { eventInput } from './event-input.js';

// About 3,000 seats are asked for: every quota sells out, and so does the voucher (about 170
// orders are served, half of them with its code).
export const CAPACITY = 600;
export const STANDING = 450; // general admission and early birds together
export const EARLY = 100; // early birds alone
export const VIP = 100; // a quota of the VIP type alone
export const VOUCHER_USES = 50;

/** A published event with three types, three quotas over them and a 10 % voucher of 50 uses. */
export async function typedEvent(organizer: EventlyClient, db: Kysely<Database>, priced: boolean) {
  const event = await organizer.events.create.mutate(
    eventInput({
      title: `Typed sale ${randomUUID().slice(0, 8)}`,
      capacity: CAPACITY,
      priceCents: priced ? 3_000 : 0,
      maxPerBooking: 6,
    }),
  );
  const [ga] = await db
    .selectFrom('ticket_types')
    .select('id')
    .where('event_id', '=', event.id)
    .execute();
  const now = new Date();
  const [early, vip] = await db
    .insertInto('ticket_types')
    .values([
      {
        event_id: event.id,
        name: 'Early',
        price_cents: priced ? 2_000 : 0,
        position: 1,
        updated_at: now,
      },
      {
        event_id: event.id,
        name: 'VIP',
        price_cents: priced ? 9_000 : 0,
        position: 2,
        updated_at: now,
      },
    ])
    .returning('id')
    .execute();
  const types = { ga: ga?.id ?? '', early: early?.id ?? '', vip: vip?.id ?? '' };
  const quotas = { standing: randomUUID(), early: randomUUID(), vip: randomUUID() };
  await db
    .insertInto('quotas')
    .values([
      {
        id: quotas.standing,
        event_id: event.id,
        name: 'Standing',
        size: STANDING,
        updated_at: now,
      },
      { id: quotas.early, event_id: event.id, name: 'Early', size: EARLY, updated_at: now },
      { id: quotas.vip, event_id: event.id, name: 'VIP', size: VIP, updated_at: now },
    ])
    .execute();
  await db
    .insertInto('quota_ticket_types')
    .values([
      { quota_id: quotas.standing, ticket_type_id: types.ga },
      { quota_id: quotas.standing, ticket_type_id: types.early },
      { quota_id: quotas.early, ticket_type_id: types.early },
      { quota_id: quotas.vip, ticket_type_id: types.vip },
    ])
    .execute();
  const code = `sale-${randomUUID().slice(0, 8)}`;
  await db
    .insertInto('vouchers')
    .values({
      event_id: event.id,
      code,
      effect_kind: 'percent',
      effect_value: 10,
      max_uses: VOUCHER_USES,
      updated_at: now,
    })
    .execute();
  await organizer.events.publish.mutate({ id: event.id });
  return { eventId: event.id, types, quotas, code };
}

import { randomUUID } from 'node:crypto';
import type { Database } from '@evently/db';
import { type Kysely, sql } from 'kysely';

/**
 * Writes webhook deliveries as the sender leaves them, of one webhook made on first use (with
 * its organization) at `madeAt()`: each delivery made then, last tried at `last`.
 */
export function webhookDeliveries(db: () => Kysely<Database>, madeAt: () => Date) {
  let webhookId: string | undefined;
  return async function webhookDelivery(
    status: 'pending' | 'delivered' | 'failed',
    last: Date,
  ): Promise<string> {
    const made = madeAt();
    if (!webhookId) {
      const organizationId = randomUUID();
      webhookId = randomUUID();
      await db()
        .insertInto('organizations')
        .values({
          id: organizationId,
          name: 'R',
          slug: `r-${organizationId.slice(0, 8)}`,
          updated_at: made,
        })
        .execute();
      await sql`INSERT INTO webhooks (id, organization_id, url, topics, secret, status, created_at,
        updated_at) VALUES (${webhookId}, ${organizationId}, 'https://example.com/hook',
        ARRAY['booking.created'], 'whsec_x', 'active', ${made}, ${made})`.execute(db());
    }
    const id = randomUUID();
    await sql`INSERT INTO webhook_deliveries (id, webhook_id, event_id, seq, topic, body, status,
      attempts, next_attempt_at, retry_until, last_attempt_at, created_at) VALUES (${id},
      ${webhookId}, ${randomUUID()}, 1, 'booking.created', '{}', ${status}, 1, ${last}, ${last},
      ${last}, ${made})`.execute(db());
    return id;
  };
}

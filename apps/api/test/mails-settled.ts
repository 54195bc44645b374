import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import {
  MAIL_CONSUMER_NAME,
  mailConsumerTopics,
} from '../src/modules/notifications/mail/mail.consumer.js';

/** Generous: the worker shares two cores with the rest of a loaded machine. */
const SETTLE_TIMEOUT_MS = 30_000;

/** Mails queued in sent_emails and not yet accepted by SMTP. */
async function pendingMails(db: Kysely<Database>): Promise<number> {
  const rows = await db
    .selectFrom('sent_emails')
    .select('id')
    .where('status', '=', 'pending')
    .execute();
  return rows.length;
}

/** Nothing queued is left unsent: counting at the SMTP sink after this is exact. */
export async function queuedMailsSent(db: Kysely<Database>): Promise<void> {
  await expect.poll(() => pendingMails(db), { timeout: SETTLE_TIMEOUT_MS, interval: 100 }).toBe(0);
}

/**
 * Every event the mail consumer subscribes to has been processed (its mails are queued, and a
 * redelivery would queue nothing) and nothing is left to send: counting mails at the sink after
 * this is exact.
 */
export async function mailsSettled(db: Kysely<Database>): Promise<void> {
  await expect
    .poll(
      async () => {
        const unprocessed = await db
          .selectFrom('outbox as o')
          .select('o.id')
          .where('o.topic', 'in', mailConsumerTopics)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('processed_events as p')
                  .select('p.event_id')
                  .whereRef('p.event_id', '=', 'o.id')
                  .where('p.consumer', '=', MAIL_CONSUMER_NAME),
              ),
            ),
          )
          .execute();
        return unprocessed.length + (await pendingMails(db));
      },
      { timeout: SETTLE_TIMEOUT_MS, interval: 100 },
    )
    .toBe(0);
}

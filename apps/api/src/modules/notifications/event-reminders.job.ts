import type { Database } from '@evently/db';
import type { Kysely } from 'kysely';
import {
  EVENT_REMINDER_TEMPLATE,
  eventReminderMail,
} from './mail/templates/event-reminder.mail.js';
import { dueReminders } from './mail-recipients.queries.js';
import { mailSource, type OutgoingMail } from './outgoing-mail.js';
import { sentEmailsRepository } from './sent-emails.repository.js';

/** The notifications module's job queue and its scheduled job. */
export const MAIL_JOBS_QUEUE = 'jobs.mail';
export const EVENT_REMINDERS_JOB = 'queue-event-reminders';
/** How often the schedule runs: a reminder goes out between 24 h and 24 h minus this before. */
export const EVENT_REMINDERS_EVERY_MS = 5 * 60_000;
/** Bookings of events starting within this are reminded. */
export const REMINDER_HORIZON_MS = 24 * 60 * 60_000;

const BATCH = 500;

/**
 * Queues a reminder for every confirmed booking of a published event that starts within the next
 * 24 hours and has none yet. Idempotent: the reminder's key (booking, recipient, template) is
 * unique, so running it twice — or on two workers at once — queues each reminder once. A booking
 * confirmed less than a day before its event is reminded at the next run.
 */
export async function queueEventReminders(db: Kysely<Database>, now: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const { found, queued } = await db.transaction().execute(async (trx) => {
      const due = await dueReminders(trx, now, REMINDER_HORIZON_MS, BATCH);
      const mails: OutgoingMail[] = due.map((r) => ({
        source: mailSource.reminder(r.bookingId),
        recipientId: r.userId,
        template: EVENT_REMINDER_TEMPLATE,
        mail: {
          to: r.email,
          ...eventReminderMail({
            recipient: { email: r.email, name: r.name },
            event: { title: r.title, venue: r.venue, startsAt: r.startsAt.toISOString() },
            bookingId: r.bookingId,
            quantity: r.quantity,
          }),
        },
      }));
      return { found: due.length, queued: await sentEmailsRepository.queue(trx, mails) };
    });
    total += queued;
    // A short page is the last; a page another run queued first would come back forever.
    if (found < BATCH || queued === 0) return total;
  }
}

import type { DbHandle } from '@evently/db';
import type { MailerPort } from '@evently/platform';
import type { Logger } from 'pino';
import type { Clock } from '../../kernel/clock.js';
import type { Module } from '../../kernel/module.js';
import { createDeadLettersService, type DeadLettersService } from './dead-letters.service.js';
import {
  EVENT_REMINDERS_EVERY_MS,
  EVENT_REMINDERS_JOB,
  MAIL_JOBS_QUEUE,
  queueEventReminders,
} from './event-reminders.job.js';
import { createMailConsumer } from './mail/mail.consumer.js';
import type { MailedTickets } from './mail/mailed-tickets.js';
import { createMailSender, type MailSenderOptions } from './mail-sender.js';
import { perishableDeadLettersRetention, sentEmailsRetention } from './sent-emails-retention.js';

/**
 * Mail in two steps over one table: the consumer renders what each domain event calls for into
 * `sent_emails` (exactly once), the sender loop hands those rows to SMTP. Plus the reminder
 * schedule, and dead letters for admins.
 */
export function createNotificationsModule(deps: {
  db: DbHandle;
  mailer: MailerPort;
  log: Logger;
  now: Clock;
  /** The sender's retries, concurrency and polling (tests shorten them). */
  sender?: MailSenderOptions;
  /** The tickets module's side of the confirmation mail (its QR codes). */
  tickets: MailedTickets;
}): Module<DeadLettersService> {
  const { db, log, now } = deps;
  return {
    service: createDeadLettersService({ db: db.db }),
    consumers: [createMailConsumer({ tickets: deps.tickets })],
    schedules: [
      {
        // A reminder a day before each event, once per confirmed booking.
        queue: MAIL_JOBS_QUEUE,
        name: EVENT_REMINDERS_JOB,
        everyMs: EVENT_REMINDERS_EVERY_MS,
        handler: async () => {
          const queued = await queueEventReminders(db.db, now());
          if (queued > 0) log.info({ queued }, 'event reminders queued');
        },
      },
    ],
    retention: [sentEmailsRetention, perishableDeadLettersRetention],
    // Sends what the consumer and the reminders queue in sent_emails (no Redis involved).
    loops: [createMailSender({ db, mailer: deps.mailer, log, ...deps.sender })],
    close: async () => {},
  };
}

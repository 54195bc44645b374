import { type Consumer, defineConsumer, type MailerPort } from '@evently/platform';
import { mailTopics, renderMail } from './mail-templates.js';

export interface MailConsumerDeps {
  mailer: MailerPort;
}

/** Stable: it names the queue and the processed_events rows of the mails already sent. */
export const MAIL_CONSUMER_NAME = 'mail';

/**
 * Sends the mail each subscribed domain event calls for, to the address in its payload. The
 * send runs inside the delivery transaction: a failed send rolls back the processed_events
 * claim so the retry sends it; a redelivered event finds the claim and sends nothing.
 */
export function createMailConsumer({ mailer }: MailConsumerDeps): Consumer {
  return defineConsumer({
    name: MAIL_CONSUMER_NAME,
    topics: mailTopics,
    async handle(_trx, event) {
      const mail = renderMail(event.topic, event.payload);
      await mailer.send({ to: event.payload.email, ...mail });
    },
  });
}

import type { DomainEvent } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Consumer, defineConsumer, type Mail, type MailerPort } from '@evently/platform';
import type { Transaction } from 'kysely';
import { authRepository } from '../../auth/auth.repository.js';
import { eventsRepository } from '../../events/events.repository.js';
import {
  type AddressedMailTopic,
  isAddressedMailTopic,
  type MailTopic,
  mailTopics,
  renderMail,
  type UserEventMailTopic,
} from './mail-templates.js';

export interface MailConsumerDeps {
  mailer: MailerPort;
}

/** Stable: it names the queue and the processed_events rows of the mails already sent. */
export const MAIL_CONSUMER_NAME = 'mail';

type MailEvent<T extends MailTopic> = Extract<DomainEvent, { topic: T }>;

function isAddressed(event: MailEvent<MailTopic>): event is MailEvent<AddressedMailTopic> {
  return isAddressedMailTopic(event.topic);
}

/**
 * A booking or waitlist mail: its payload names a user and an event, not an address, so both are
 * read here, in the delivery transaction, through their modules' repositories. Undefined when
 * either is gone (nobody to mail, or nothing to mail about): the event is then done, not retried.
 */
async function userEventMail(
  trx: Transaction<Database>,
  event: MailEvent<UserEventMailTopic>,
): Promise<Mail | undefined> {
  const [user, about] = await Promise.all([
    authRepository.findUserById(trx, event.payload.userId),
    eventsRepository.find(trx, event.payload.eventId),
  ]);
  if (!user || !about) return undefined;
  const rendered = renderMail(event.topic, event.payload, {
    recipient: { email: user.email, name: user.name },
    event: { title: about.title, venue: about.venue, startsAt: about.starts_at.toISOString() },
  });
  return { to: user.email, ...rendered };
}

/**
 * Sends the mail each subscribed domain event calls for: to the address in its payload (auth
 * mails) or to the account its payload names (booking and waitlist mails). The send runs inside
 * the delivery transaction: a failed send rolls back the processed_events claim so the retry
 * sends it; a redelivered event finds the claim and sends nothing.
 */
export function createMailConsumer({ mailer }: MailConsumerDeps): Consumer {
  return defineConsumer({
    name: MAIL_CONSUMER_NAME,
    topics: mailTopics,
    async handle(trx, event) {
      const mail = isAddressed(event)
        ? { to: event.payload.email, ...renderMail(event.topic, event.payload, undefined) }
        : await userEventMail(trx, event);
      if (mail) await mailer.send(mail);
    },
  });
}

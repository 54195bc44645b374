import type { MailerPort } from '@evently/platform';
import { createMailConsumer } from './mail/mail.consumer.js';
import type { Consumer } from './outbox/consumer.js';

export interface ConsumerDeps {
  mailer: MailerPort;
}

/**
 * Every consumer of domain events this deployment runs. The analytics consumer joins when its
 * module lands.
 */
export function createConsumers(deps: ConsumerDeps): readonly Consumer[] {
  return [createMailConsumer({ mailer: deps.mailer })];
}

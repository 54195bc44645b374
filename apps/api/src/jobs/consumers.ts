import type { Consumer, MailerPort } from '@evently/platform';
import { createMailConsumer } from '../modules/notifications/mail/mail.consumer.js';

export interface ConsumerDeps {
  mailer: MailerPort;
}

/**
 * Every consumer of domain events this deployment runs. The analytics consumer joins when its
 * module lands.
 */
export function createConsumers(_deps: ConsumerDeps): readonly Consumer[] {
  return [createMailConsumer()];
}

import type { DomainEventPayload } from '@evently/contracts';
import type {
  MailTemplate,
  MailTemplateCatalogue,
  MailTemplateMap,
  RenderedMail,
} from './mail-template.js';
import { alreadyRegisteredMail } from './templates/already-registered.mail.js';
import { passwordChangedMail } from './templates/password-changed.mail.js';
import { passwordResetCodeMail } from './templates/password-reset-code.mail.js';
import { verificationCodeMail } from './templates/verification-code.mail.js';
import { welcomeMail } from './templates/welcome.mail.js';

/**
 * Topic -> template: the mail consumer subscribes to exactly these keys, so a topic cannot be
 * subscribed without a template. `satisfies` checks each template against its topic's payload.
 * A new mail is a template file and one line here.
 */
export const mailTemplates = {
  'user.verification_requested': verificationCodeMail,
  'user.registration_attempted': alreadyRegisteredMail,
  'user.email_verified': welcomeMail,
  'user.password_reset_requested': passwordResetCodeMail,
  'user.password_changed': passwordChangedMail,
} as const satisfies MailTemplateCatalogue;

export type MailTopic = keyof typeof mailTemplates;

// Object.keys types its result as string[]; the keys are exactly MailTopic by construction.
export const mailTopics = Object.keys(mailTemplates) as MailTopic[];

// The same map seen as a mapped type, so indexing it with a generic topic keeps the pairing.
const templates: MailTemplateMap<MailTopic> = mailTemplates;

/** Renders the mail for one event of a mail topic. */
export function renderMail<T extends MailTopic>(
  topic: T,
  payload: DomainEventPayload<T>,
): RenderedMail {
  const template: MailTemplate<T> = templates[topic];
  return template(payload);
}

import type { DomainEventPayload, DomainTopic } from '@evently/contracts';
import type { Mail } from '@evently/platform';

/** What a template produces; the consumer adds the recipient. */
export type RenderedMail = Omit<Mail, 'to'>;

/** Topics whose payload names the person to mail: only these can have a mail template. */
export type MailableTopic = {
  [T in DomainTopic]: DomainEventPayload<T> extends { email: string } ? T : never;
}[DomainTopic];

/** Renders one topic's payload; pure, so it is tested without a mailer or a database. */
export type MailTemplate<T extends MailableTopic> = (
  payload: DomainEventPayload<T>,
) => RenderedMail;

/** A template for each topic of `T`: a topic missing from the map does not typecheck. */
export type MailTemplateMap<T extends MailableTopic> = { readonly [K in T]: MailTemplate<K> };

/** What the map of templates may hold: for any mailable topic, a template of its payload. */
export type MailTemplateCatalogue = { readonly [K in MailableTopic]?: MailTemplate<K> };

import type { DomainEventPayload } from '@evently/contracts';
import type {
  AddressedTopic,
  MailContext,
  MailTemplate,
  MailTemplateCatalogue,
  MailTemplateMap,
  OneTimeCodeTopic,
  RenderedMail,
  UserEventTopic,
} from './mail-template.js';
import { alreadyRegisteredMail } from './templates/already-registered.mail.js';
import { bookingCancelledMail } from './templates/booking-cancelled.mail.js';
import { bookingConfirmedMail } from './templates/booking-confirmed.mail.js';
import { bookingExpiredMail } from './templates/booking-expired.mail.js';
import { organizationInvitationMail } from './templates/organization-invitation.mail.js';
import {
  memberAddedMail,
  memberRemovedMail,
  memberRoleChangedMail,
} from './templates/organization-membership.mail.js';
import { passwordChangedMail } from './templates/password-changed.mail.js';
import { passwordResetCodeMail } from './templates/password-reset-code.mail.js';
import { paymentReceivedMail } from './templates/payment-received.mail.js';
import { refundRequestedMail } from './templates/refund-requested.mail.js';
import { refundSucceededMail } from './templates/refund-succeeded.mail.js';
import { verificationCodeMail } from './templates/verification-code.mail.js';
import { waitlistClosedMail } from './templates/waitlist-closed.mail.js';
import { waitlistJoinedMail } from './templates/waitlist-joined.mail.js';
import { waitlistOfferMail } from './templates/waitlist-offer.mail.js';
import { webhookDisabledMail } from './templates/webhook-disabled.mail.js';
import { welcomeMail } from './templates/welcome.mail.js';

// Mails to the address in the payload.
const addressedTemplates = {
  'user.verification_requested': verificationCodeMail,
  'user.registration_attempted': alreadyRegisteredMail,
  'user.email_verified': welcomeMail,
  'user.password_reset_requested': passwordResetCodeMail,
  'user.password_changed': passwordChangedMail,
  'organization.invitation_created': organizationInvitationMail,
  'organization.member_added': memberAddedMail,
  'organization.member_role_changed': memberRoleChangedMail,
  'organization.member_removed': memberRemovedMail,
  // To each owner of the webhook's organization (one event per owner).
  'webhook.disabled': webhookDisabledMail,
} as const satisfies { readonly [K in AddressedTopic]?: MailTemplate<K> };

// Mails to the payload's user about the payload's event, both looked up by the consumer.
const userEventTemplates = {
  'booking.confirmed': bookingConfirmedMail,
  'booking.cancelled': bookingCancelledMail,
  'booking.expired': bookingExpiredMail,
  'waitlist.joined': waitlistJoinedMail,
  'waitlist.offered': waitlistOfferMail,
  'waitlist.closed': waitlistClosedMail,
  // To the booking's buyer; sent on an event's cancellation too (they carry the amounts).
  'payment.received': paymentReceivedMail,
  'refund.requested': refundRequestedMail,
  'refund.succeeded': refundSucceededMail,
} as const satisfies { readonly [K in UserEventTopic]?: MailTemplate<K> };

/**
 * Topic -> template: the mail consumer subscribes to exactly these keys, so a topic cannot be
 * subscribed without a template. `satisfies` checks each template against its topic's payload.
 * A new mail is a template file and one line here.
 */
export const mailTemplates = {
  ...addressedTemplates,
  ...userEventTemplates,
} as const satisfies MailTemplateCatalogue;

export type MailTopic = keyof typeof mailTemplates;
export type AddressedMailTopic = keyof typeof addressedTemplates;
export type UserEventMailTopic = keyof typeof userEventTemplates;

/**
 * The name each topic's mail has in sent_emails (with its source and recipient, the key that
 * makes it go out once). Stable: renaming one would let a redelivered event mail again.
 */
export const templateNames = {
  'user.verification_requested': 'verification-code',
  'user.registration_attempted': 'already-registered',
  'user.email_verified': 'welcome',
  'user.password_reset_requested': 'password-reset-code',
  'user.password_changed': 'password-changed',
  'booking.confirmed': 'booking-confirmed',
  'booking.cancelled': 'booking-cancelled',
  'booking.expired': 'booking-expired',
  'waitlist.joined': 'waitlist-joined',
  'waitlist.offered': 'waitlist-offer',
  'waitlist.closed': 'waitlist-closed',
  'payment.received': 'payment-received',
  'refund.requested': 'refund-requested',
  'refund.succeeded': 'refund-succeeded',
  'organization.invitation_created': 'organization-invitation',
  'organization.member_added': 'member-added',
  'organization.member_role_changed': 'member-role-changed',
  'organization.member_removed': 'member-removed',
  'webhook.disabled': 'webhook-disabled',
} as const satisfies { readonly [K in MailTopic]: string };

// Object.keys types its result as string[]; the keys are exactly MailTopic by construction.
export const mailTopics = Object.keys(mailTemplates) as MailTopic[];

const addressedTopics: ReadonlySet<string> = new Set(Object.keys(addressedTemplates));

const oneTimeCodeTopics: ReadonlySet<string> = new Set([
  'user.verification_requested',
  'user.password_reset_requested',
  'organization.invitation_created',
] satisfies OneTimeCodeTopic[]);

/** Whether the topic's mail carries a one-time code (taken from the code's row by the consumer). */
export function isOneTimeCodeTopic(topic: MailTopic): topic is OneTimeCodeTopic {
  return oneTimeCodeTopics.has(topic);
}

/** Whether the topic's payload names the address (otherwise the consumer looks it up). */
export function isAddressedMailTopic(topic: MailTopic): topic is AddressedMailTopic {
  return addressedTopics.has(topic);
}

// The same map seen as a mapped type, so indexing it with a generic topic keeps the pairing.
const templates: MailTemplateMap<MailTopic> = mailTemplates;

/** Renders the mail for one event of a mail topic. */
export function renderMail<T extends MailTopic>(
  topic: T,
  payload: DomainEventPayload<T>,
  context: MailContext<T>,
): RenderedMail {
  const template: MailTemplate<T> = templates[topic];
  return template(payload, context);
}

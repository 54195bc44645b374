import type { DomainEvent, DomainTopic } from '@evently/contracts';
import type { Database } from '@evently/db';
import { type Consumer, defineConsumer } from '@evently/platform';
import type { Transaction } from 'kysely';
import { takeOtpMailCode } from '../../auth/one-time-codes.js';
import { takeInvitationMailCode } from '../../organizations/invitations.service.js';
import { mailedBookingLines } from '../booking-lines.queries.js';
import {
  attendeesOf,
  cancellationLossesOf,
  type MailedEvent,
  mailedEvent,
  recipientOf,
} from '../mail-recipients.queries.js';
import { mailSource, type OutgoingMail } from '../outgoing-mail.js';
import { sentEmailsRepository } from '../sent-emails.repository.js';
import type { OneTimeCodeTopic } from './mail-template.js';
import {
  type AddressedMailTopic,
  isAddressedMailTopic,
  isOneTimeCodeTopic,
  type MailTopic,
  mailTopics,
  renderMail,
  templateNames,
  type UserEventMailTopic,
} from './mail-templates.js';
import { inlineTickets, type MailedTickets } from './mailed-tickets.js';
import { EVENT_CANCELLED_TEMPLATE, eventCancelledMail } from './templates/event-cancelled.mail.js';
import {
  concernsAttendees,
  EVENT_UPDATED_TEMPLATE,
  eventUpdatedMail,
} from './templates/event-updated.mail.js';

/** Stable: it names the queue and the processed_events rows of the events already handled. */
export const MAIL_CONSUMER_NAME = 'mail';

/** Topics whose mails go to several people, planned here rather than by a one-to-one template. */
const fanOutTopics = ['event.updated'] as const satisfies readonly DomainTopic[];

/** Every topic the mail consumer subscribes to. */
export const mailConsumerTopics: readonly (MailTopic | (typeof fanOutTopics)[number])[] = [
  ...mailTopics,
  ...fanOutTopics,
];

type MailEvent<T extends DomainTopic> = Extract<DomainEvent, { topic: T }>;

function isAddressed(event: MailEvent<MailTopic>): event is MailEvent<AddressedMailTopic> {
  return isAddressedMailTopic(event.topic);
}

function isOneTimeCode(event: MailEvent<MailTopic>): event is MailEvent<OneTimeCodeTopic> {
  return isOneTimeCodeTopic(event.topic);
}

function eventInfo(row: MailedEvent) {
  return { title: row.title, venue: row.venue, startsAt: row.starts_at.toISOString() };
}

/**
 * Whether the bookings module ended this booking or entry because its event was cancelled: after
 * the cancellation its consumer cancels every live booking with no actor (nothing else does) and
 * closes every entry. Those get the one event-cancelled mail, not a booking-cancelled or
 * waitlist-closed mail each. An entry can also be closed before, when the waitlist passes it over
 * for the per-person limit: only closures after the cancellation are its doing. Payment and
 * refund mails are never replaced: they carry the amounts the event-cancelled mail does not.
 */
function causedByCancellation(event: MailEvent<UserEventMailTopic>, about: MailedEvent): boolean {
  if (about.status !== 'cancelled' || !about.cancelled_at) return false;
  if (event.topic === 'booking.cancelled') return event.payload.cancelledBy === null;
  return event.topic === 'waitlist.closed' && new Date(event.occurredAt) >= about.cancelled_at;
}

/**
 * A booking or waitlist mail: its payload names a user and an event, not an address, so both are
 * read here, in the delivery transaction, with the lines of the booking it is about (if any). None
 * when the user or the event is gone (nobody to mail, or nothing to mail about): the event is
 * then done, not retried.
 */
async function userEventMails(
  trx: Transaction<Database>,
  event: MailEvent<UserEventMailTopic>,
  tickets: MailedTickets | undefined,
): Promise<OutgoingMail[]> {
  const { payload } = event;
  const [user, about, lines] = await Promise.all([
    recipientOf(trx, payload.userId),
    mailedEvent(trx, payload.eventId),
    'bookingId' in payload ? mailedBookingLines(trx, payload.bookingId) : undefined,
  ]);
  if (!user || !about) return [];
  const recipient = { email: user.email, name: user.name };
  if (causedByCancellation(event, about)) {
    const losses = await cancellationLossesOf(
      trx,
      about.id,
      user.id,
      about.cancelled_at ?? about.updated_at,
    );
    const mail = eventCancelledMail({
      recipient,
      event: eventInfo(about),
      reason: about.cancel_reason ?? '',
      ...losses,
    });
    return [
      {
        source: mailSource.eventCancelled(about.id),
        recipientId: user.id,
        template: EVENT_CANCELLED_TEMPLATE,
        mail: { to: user.email, ...mail },
      },
    ];
  }
  // The confirmation carries the booking's tickets, their QR codes as inline images.
  const inline =
    event.topic === 'booking.confirmed' && tickets
      ? inlineTickets(await tickets.ofConfirmedBooking(trx, event.payload.bookingId))
      : undefined;
  const rendered = renderMail(event.topic, event.payload, {
    recipient,
    event: eventInfo(about),
    lines,
    ...(inline && { tickets: inline.images }),
  });
  return [
    {
      source: mailSource.event(event.id),
      recipientId: user.id,
      template: templateNames[event.topic],
      mail: { to: user.email, ...rendered, ...(inline && { attachments: inline.attachments }) },
    },
  ];
}

/** An event moved in time or place: one mail to each person holding seats for it. */
async function eventUpdatedMails(
  trx: Transaction<Database>,
  event: MailEvent<'event.updated'>,
): Promise<OutgoingMail[]> {
  if (!concernsAttendees(event.payload.changed)) return [];
  const about = await mailedEvent(trx, event.payload.eventId);
  // A cancelled event's attendees get the cancellation mail; a later update is moot.
  if (about?.status !== 'published') return [];
  const attendees = await attendeesOf(trx, about.id);
  return attendees.map((a) => ({
    source: mailSource.event(event.id),
    recipientId: a.userId,
    template: EVENT_UPDATED_TEMPLATE,
    mail: {
      to: a.email,
      ...eventUpdatedMail({
        recipient: { email: a.email, name: a.name },
        update: event.payload,
        seats: a.seats,
      }),
    },
  }));
}

/**
 * A one-time code's mail. The event does not carry the code: it is taken (and cleared) from the
 * code's row here, so once this transaction queues the mail the only plaintext copy is the
 * queued body, dropped when sent or when the mail dies or expires. None when the code was
 * replaced (the newer code's mail goes instead) or expired before its mail was queued.
 */
async function oneTimeCodeMails(
  trx: Transaction<Database>,
  event: MailEvent<OneTimeCodeTopic>,
): Promise<OutgoingMail[]> {
  const { payload } = event;
  const code =
    'otpId' in payload
      ? await takeOtpMailCode(trx, payload.otpId)
      : await takeInvitationMailCode(trx, payload.invitationId);
  if (code === undefined) return [];
  return [
    {
      source: mailSource.event(event.id),
      // An invitation may go to an address without an account: it stands for its recipient.
      recipientId: 'otpId' in payload ? payload.userId : payload.invitationId,
      template: templateNames[event.topic],
      mail: { to: event.payload.email, ...renderMail(event.topic, event.payload, { code }) },
      expiresAt: new Date(event.payload.expiresAt),
    },
  ];
}

async function plan(
  trx: Transaction<Database>,
  event: MailEvent<(typeof mailConsumerTopics)[number]>,
  tickets: MailedTickets | undefined,
): Promise<OutgoingMail[]> {
  if (event.topic === 'event.updated') return eventUpdatedMails(trx, event);
  if (!isAddressed(event)) return userEventMails(trx, event, tickets);
  if (isOneTimeCode(event)) return oneTimeCodeMails(trx, event);
  const rendered = renderMail(event.topic, event.payload, undefined);
  return [
    {
      source: mailSource.event(event.id),
      recipientId: event.payload.userId,
      template: templateNames[event.topic],
      mail: { to: event.payload.email, ...rendered },
    },
  ];
}

/**
 * Turns each subscribed domain event into the mails it calls for and queues them in sent_emails,
 * in the delivery transaction: the mails are queued exactly when processed_events records the
 * event, and their (source, recipient, template) key drops any that are queued already. The mail
 * sender sends them (mail-sender.ts), so no SMTP call runs inside this transaction. The worker
 * delivers it with group commit: the events of a relay pass arrive as one job and are queued in
 * one transaction (one that fails is retried event by event).
 */
export function createMailConsumer(deps: { tickets?: MailedTickets } = {}): Consumer {
  return defineConsumer({
    name: MAIL_CONSUMER_NAME,
    topics: mailConsumerTopics,
    async handle(trx, event) {
      await sentEmailsRepository.queue(trx, await plan(trx, event, deps.tickets));
    },
    // Group commit: a relay pass's events in one job and one transaction, each event's mails
    // queued in order as if delivered alone (the first to claim a key keeps it).
    async handleBatch(trx, events) {
      for (const event of events) {
        await sentEmailsRepository.queue(trx, await plan(trx, event, deps.tickets));
      }
    },
  });
}

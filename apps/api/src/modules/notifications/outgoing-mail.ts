import type { Mail } from '@evently/platform';

/**
 * A mail to send once: `(source, recipientId, template)` is its identity in sent_emails, so a
 * second attempt to queue it (a redelivered event, a reminder job that runs twice, a second
 * booking of the same person cancelled with the same event) changes nothing.
 */
export interface OutgoingMail {
  /** What caused it (see `mailSource`). */
  source: string;
  /** The account it goes to (an invitation's mail: the invitation, which may have none). */
  recipientId: string;
  /** Which mail it is, e.g. `booking-confirmed`. */
  template: string;
  mail: Mail;
  /**
   * Worth sending only until then (a one-time code's mail: the code's expiry). Not sent after
   * it; when it dies its bodies are cleared and it is never replayed (the code is not kept).
   */
  expiresAt?: Date;
}

/** A reminder's source is `booking:<id>:reminder` (the reminder query builds it in SQL too). */
export const REMINDER_SOURCE = ['booking:', ':reminder'] as const;

/** The `source` of each kind of mail. */
export const mailSource = {
  /** A mail about one domain event: its outbox id. */
  event: (outboxId: string) => outboxId,
  /** The one mail per person when an event is cancelled, whatever they held. */
  eventCancelled: (eventId: string) => `event:${eventId}:cancelled`,
  /** The reminder before the event, once per booking. */
  reminder: (bookingId: string) => `${REMINDER_SOURCE[0]}${bookingId}${REMINDER_SOURCE[1]}`,
};

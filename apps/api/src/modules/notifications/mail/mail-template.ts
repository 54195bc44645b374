import type { DomainEventPayload, DomainTopic } from '@evently/contracts';
import type { Mail } from '@evently/platform';

/** What a template produces; the consumer adds the recipient. */
export type RenderedMail = Omit<Mail, 'to'>;

/** Topics whose payload carries the address to mail (the auth mails). */
export type AddressedTopic = {
  [T in DomainTopic]: DomainEventPayload<T> extends { email: string } ? T : never;
}[DomainTopic];

/**
 * Topics whose payload names a user and an event but no address (bookings, waitlist): the mail
 * consumer looks the recipient and the event up inside its delivery transaction, so a mail
 * shows the name and title as they are when it is sent, and payloads carry no personal data.
 */
export type UserEventTopic = {
  [T in DomainTopic]: DomainEventPayload<T> extends { email: string }
    ? never
    : DomainEventPayload<T> extends { userId: string; eventId: string }
      ? T
      : never;
}[DomainTopic];

/**
 * Addressed topics whose mail carries a one-time code: the payload names the code's row (an OTP
 * or an invitation), and the consumer takes the code from it (events never carry codes).
 */
export type OneTimeCodeTopic = {
  [T in AddressedTopic]: DomainEventPayload<T> extends { otpId: string } | { invitationId: string }
    ? T
    : never;
}[AddressedTopic];

/** What the consumer took from a one-time code's row. */
export interface OneTimeCodeContext {
  code: string;
}

/** Topics that can have a mail template: they name, or let the consumer find, the person to mail. */
export type MailableTopic = AddressedTopic | UserEventTopic;

/** The account a booking or waitlist mail goes to, as the consumer read it. */
export interface MailRecipient {
  email: string;
  name: string;
}

/** The event a booking or waitlist mail is about, as the consumer read it. */
export interface MailEventInfo {
  title: string;
  venue: string;
  /** ISO-8601. */
  startsAt: string;
}

/** A line of a booking as its mails list it: `quantity` seats of one ticket type. */
export interface MailBookingLine {
  /** The ticket type's name (the organizer's: escaped in the HTML). */
  name: string;
  quantity: number;
  unitPriceCents: number;
  discountCents: number;
  /** unitPriceCents * quantity - discountCents. */
  totalCents: number;
  /** Its reserved seats in plan order, as a ticket names them (the organizer's names). */
  seats?: ReadonlyArray<{ section: string; row: string; label: string }>;
}

/** What a booking was sold as, as the consumer read it. */
export interface MailBookingLines {
  /** The booking's currency: every amount of its lines is in it. */
  currency: string;
  /** In position order; never empty. */
  items: MailBookingLine[];
  /** The code of the voucher it was booked with (lower-cased); null without one. */
  voucherCode: string | null;
}

/** A ticket shown in a mail: its QR image is the attachment with this Content-ID. */
export interface MailTicketImage {
  contentId: string;
  /** Its ticket type's name (the organizer's). */
  name: string;
  seat?: { section: string; row: string; label: string };
}

/** What the consumer resolved for a user-and-event topic. */
export interface UserEventContext {
  recipient: MailRecipient;
  event: MailEventInfo;
  /**
   * The lines of the booking the mail is about: absent for a waitlist mail about no booking, or
   * a booking with no line (gone since). Only the booking mails list them.
   */
  lines?: MailBookingLines;
  /** The booking's tickets with their QR codes inline (the confirmation mail), in line order. */
  tickets?: readonly MailTicketImage[];
}

/** The second argument of a template: the lookups, the code, or nothing (addressed topics). */
export type MailContext<T extends MailableTopic> = T extends UserEventTopic
  ? UserEventContext
  : T extends OneTimeCodeTopic
    ? OneTimeCodeContext
    : undefined;

/** Renders one topic's payload; pure, so it is tested without a mailer or a database. */
export type MailTemplate<T extends MailableTopic> = (
  payload: DomainEventPayload<T>,
  context: MailContext<T>,
) => RenderedMail;

/** A template for each topic of `T`: a topic missing from the map does not typecheck. */
export type MailTemplateMap<T extends MailableTopic> = { readonly [K in T]: MailTemplate<K> };

/** What the map of templates may hold: for any mailable topic, a template of its payload. */
export type MailTemplateCatalogue = { readonly [K in MailableTopic]?: MailTemplate<K> };

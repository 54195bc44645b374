import { bookingSummary, seats } from '../booking-summary.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { MailEventInfo, MailRecipient, RenderedMail } from '../mail-template.js';

export const EVENT_REMINDER_SUBJECT = 'Your Evently event is coming up';
/** Its name in sent_emails (stable: part of the key that sends it once). */
export const EVENT_REMINDER_TEMPLATE = 'event-reminder';

export interface EventReminderInput {
  recipient: MailRecipient;
  event: MailEventInfo;
  bookingId: string;
  quantity: number;
}

/** The reminder about a day before the event, once per confirmed booking. */
export function eventReminderMail(input: EventReminderInput): RenderedMail {
  const { recipient, event } = input;
  const summary = bookingSummary({
    event,
    quantity: input.quantity,
    bookingId: input.bookingId,
  });
  const lead = `A reminder: ${event.title} starts within a day, and you have ${seats(input.quantity)}.`;
  const after = 'If you cannot make it, cancel your booking in Evently so someone else can go.';
  return layout({
    subject: EVENT_REMINDER_SUBJECT,
    to: recipient.email,
    heading: 'See you soon',
    text: [greeting(recipient.name), lead, summary.text, after].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${summary.html}
<p>${after}</p>`,
  });
}

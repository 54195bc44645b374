import type { DomainEventPayload } from '@evently/contracts';
import { bookingSummary, seats } from '../booking-summary.js';
import { formatUtc } from '../format-instant.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { MailRecipient, RenderedMail } from '../mail-template.js';

export const EVENT_UPDATED_SUBJECT = 'Your Evently event has a new time or place';
/** Its name in sent_emails (stable: part of the key that sends it once). */
export const EVENT_UPDATED_TEMPLATE = 'event-updated';

/** The fields of an event whose change its attendees are told about. */
export const ATTENDEE_FIELDS = ['startsAt', 'endsAt', 'venue'] as const;

export function concernsAttendees(changed: readonly string[]): boolean {
  return changed.some((field) => (ATTENDEE_FIELDS as readonly string[]).includes(field));
}

export interface EventUpdatedInput {
  recipient: MailRecipient;
  /** The event as the update left it. */
  update: DomainEventPayload<'event.updated'>;
  /** The seats the person holds or booked. */
  seats: number;
}

/** "the time", "the venue", "the time and the venue". */
function whatChanged(changed: readonly string[]): string {
  const parts: string[] = [];
  if (changed.includes('startsAt') || changed.includes('endsAt')) parts.push('the time');
  if (changed.includes('venue')) parts.push('the venue');
  return parts.join(' and ');
}

/** `event.updated` that moved an event in time or place: to everyone holding seats for it. */
export function eventUpdatedMail(input: EventUpdatedInput): RenderedMail {
  const { recipient, update } = input;
  const what = whatChanged(update.changed);
  const lead = `The organizer changed ${what} of ${update.title}. Here are the new details.`;
  const ends = `It ends at ${formatUtc(update.endsAt)}.`;
  const after = `You keep your ${seats(input.seats)}. If the change does not suit you, you can cancel your booking in Evently.`;
  const summary = bookingSummary({
    event: { title: update.title, venue: update.venue, startsAt: update.startsAt },
    quantity: input.seats,
  });
  return layout({
    subject: EVENT_UPDATED_SUBJECT,
    to: recipient.email,
    heading: 'Your event has changed',
    text: [greeting(recipient.name), lead, summary.text, ends, after].join('\n\n'),
    html: html`<p>${greeting(recipient.name)}</p>
<p>${lead}</p>
${summary.html}
<p>It ends at <time datetime="${update.endsAt}">${formatUtc(update.endsAt)}</time>.</p>
<p>${after}</p>`,
  });
}

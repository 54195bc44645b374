import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import type { UserEventContext } from '../mail-template.js';
import { inlineTickets, MAX_INLINE_TICKETS, type MailedTicket } from '../mailed-tickets.js';
import { bookingConfirmedMail } from './booking-confirmed.mail.js';

const context: UserEventContext = {
  recipient: { email: 'ada@example.com', name: 'Ada' },
  event: { title: 'Night', venue: 'Hall', startsAt: '2026-12-24T19:30:00.000Z' },
};
const payload: DomainEventPayload<'booking.confirmed'> = {
  bookingId: randomUUID(),
  eventId: randomUUID(),
  userId: randomUUID(),
  quantity: 2,
  unitPriceCents: 0,
  totalCents: 0,
  currency: 'EUR',
};

const ticket = (name: string, seat?: MailedTicket['seat']): MailedTicket => ({
  ticketId: randomUUID(),
  name,
  ...(seat && { seat }),
  qrPng: Buffer.from(`png of ${name}`),
});

describe('the confirmation mail’s tickets', () => {
  it('shows each ticket’s image by its Content-ID, in order, with the organizer’s names escaped', () => {
    const tickets = [
      ticket('Stalls <b>VIP</b>', { section: 'Main', row: 'A', label: '7' }),
      ticket('Standing & co'),
    ];
    const inline = inlineTickets(tickets);
    if (!inline) throw new Error('two tickets fit one mail');
    expect(inline.attachments).toEqual(
      tickets.map((t, i) => ({
        filename: `ticket-${i + 1}.png`,
        contentType: 'image/png',
        contentId: `ticket-${t.ticketId}@evently`,
        contentBase64: t.qrPng.toString('base64'),
      })),
    );
    const mail = bookingConfirmedMail(payload, { ...context, tickets: inline.images });
    const [first, second] = inline.attachments.map((a) => mail.html.indexOf(`cid:${a.contentId}`));
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first ?? 0);
    expect(mail.html).toContain('Ticket 1 of 2 · Stalls &lt;b&gt;VIP&lt;/b&gt; — Main, A: 7');
    expect(mail.html).toContain('Ticket 2 of 2 · Standing &amp; co');
    expect(mail.html).not.toContain('<b>VIP');
    expect(mail.text).toContain('Ticket 1 of 2 · Stalls <b>VIP</b> — Main, A: 7');
  });

  it('points to Evently when it carries no images: none issued, or more than one mail holds', () => {
    expect(inlineTickets([])).toBeUndefined();
    const many = Array.from({ length: MAX_INLINE_TICKETS + 1 }, () => ticket('General'));
    expect(inlineTickets(many)).toBeUndefined();
    expect(inlineTickets(many.slice(1))?.attachments).toHaveLength(MAX_INLINE_TICKETS);
    const mail = bookingConfirmedMail(payload, context);
    expect(mail.html).not.toContain('cid:');
    expect(mail.text).toContain(
      'Your tickets, with the QR codes to show at the door, are in Evently.',
    );
  });
});

import type { Database } from '@evently/db';
import type { ReceivedMail } from '@evently/platform/testing';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  isAddressedMailTopic,
  type MailTopic,
  mailTopics,
  templateNames,
} from '../src/modules/notifications/mail/mail-templates.js';
import { EVENT_CANCELLED_TEMPLATE } from '../src/modules/notifications/mail/templates/event-cancelled.mail.js';
import { mailSource } from '../src/modules/notifications/outgoing-mail.js';

/** One mail a person must get: its identity in sent_emails and the address it goes to. */
export interface ExpectedMail {
  key: string;
  to: string;
}

const keyOf = (source: string, recipientId: string, template: string) =>
  `${source} ${recipientId} ${template}`;

const addressed = z.object({ userId: z.string(), email: z.string() });
const aboutEvent = z.object({
  userId: z.string(),
  eventId: z.string(),
  cancelledBy: z.string().nullish(),
});

/**
 * The mails the outbox calls for, worked out from the outbox, events and users tables alone
 * (never from sent_emails): one per mail event and person, except that what an event's
 * cancellation ends — the bookings its consumer cancels (no actor) and the waitlist entries
 * closed after it — makes one event-cancelled mail per person instead. Event updates and
 * reminders are not modelled: `mailEventsNotModelled` must be 0.
 */
export async function expectedMails(db: Kysely<Database>): Promise<{
  mails: Map<string, ExpectedMail>;
  mailEventsNotModelled: number;
}> {
  const [rows, users, events] = await Promise.all([
    db
      .selectFrom('outbox')
      .select(['id', 'topic', 'payload', 'occurred_at'])
      .where('topic', 'in', [...mailTopics, 'event.updated'])
      .orderBy('seq')
      .execute(),
    db.selectFrom('users').select(['id', 'email']).execute(),
    db.selectFrom('events').select(['id', 'status', 'cancelled_at']).execute(),
  ]);
  const emailOf = new Map(users.map((u) => [u.id, u.email]));
  const eventOf = new Map(events.map((e) => [e.id, e]));
  const mails = new Map<string, ExpectedMail>();
  const callFor = (key: string, to: string) => mails.set(key, { key, to });
  let mailEventsNotModelled = 0;
  for (const row of rows) {
    if (row.topic === 'event.updated') {
      mailEventsNotModelled += 1;
      continue;
    }
    const topic = row.topic as MailTopic;
    const template = templateNames[topic];
    if (isAddressedMailTopic(topic)) {
      const { userId, email } = addressed.parse(row.payload);
      callFor(keyOf(mailSource.event(row.id), userId, template), email);
      continue;
    }
    const { userId, eventId, cancelledBy } = aboutEvent.parse(row.payload);
    const to = emailOf.get(userId);
    const event = eventOf.get(eventId);
    if (!to || !event) throw new Error(`${row.topic} ${row.id}: no user or event`);
    const cancelledAt = event.status === 'cancelled' ? event.cancelled_at : null;
    const endedByCancellation =
      cancelledAt !== null &&
      ((topic === 'booking.cancelled' && cancelledBy === null) ||
        (topic === 'waitlist.closed' && row.occurred_at >= cancelledAt));
    callFor(
      endedByCancellation
        ? keyOf(mailSource.eventCancelled(eventId), userId, EVENT_CANCELLED_TEMPLATE)
        : keyOf(mailSource.event(row.id), userId, template),
      to,
    );
  }
  return { mails, mailEventsNotModelled };
}

/**
 * The life `[from, to]` (epoch ms, this process's clock) of a worker that was then SIGKILLed:
 * the mails that came over SMTP connections it opened are its sends (`ReceivedMail.connectedAt`),
 * whenever the sink finished reading them — one it had in flight may land well after it died.
 * Any of them may have been accepted by SMTP and not yet recorded when it died: the window is
 * per mail, between SMTP's 250 and the COMMIT of `sent`, and one send lane can wait in it while
 * the other sends on, so it is not bounded by a count of mails before the kill.
 */
export interface KillWindow {
  from: number;
  to: number;
}

export interface MailAudit {
  expected: number;
  received: number;
  /**
   * Copies of a mail SMTP accepted from a worker killed before it recorded the send (sent_emails'
   * one documented window, between SMTP's 250 and the COMMIT), sent again by the next worker —
   * under the same Message-ID.
   */
  repeatsAtKills: number;
  problems: string[];
}

/**
 * Whether a mail's copies at the sink (in arrival order) are allowed: one copy, or more when
 * every copy but the last — the send that was recorded — came from a worker that was then
 * killed (`atKill`), and each copy took a claim of its own (`attempts`: a recorded mail is never
 * claimed again). Any other repeat is a mail sent twice.
 */
export function repeatsAtKillsOnly<C>(
  copies: readonly C[],
  attempts: number,
  atKill: (copy: C) => boolean,
): boolean {
  return copies.slice(0, -1).every(atKill) && attempts >= copies.length;
}

/**
 * Compares what reached the SMTP sink with the mails the outbox calls for: sent_emails holds
 * each expected mail exactly once, all sent, each with its own Message-ID; at the sink every
 * mail carries one of those Message-IDs (no person got any other mail), to its row's address
 * with its subject; and each expected mail arrived under exactly that one Message-ID — once, or
 * more often only when all but one of its copies came from workers that were then SIGKILLed, each
 * copy under a claim of its own.
 */
export async function auditMails(
  db: Kysely<Database>,
  received: readonly ReceivedMail[],
  kills: readonly KillWindow[],
): Promise<MailAudit> {
  const { mails: expected, mailEventsNotModelled } = await expectedMails(db);
  const problems: string[] = [];
  if (mailEventsNotModelled > 0) {
    problems.push(`${mailEventsNotModelled} mail events this audit does not model`);
  }
  const rows = await db
    .selectFrom('sent_emails')
    .select([
      'source',
      'recipient_id',
      'template',
      'to_email',
      'subject',
      'status',
      'message_id',
      'attempts',
    ])
    .execute();
  const seen = new Set<string>();
  const byMessageId = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    const key = keyOf(row.source, row.recipient_id, row.template);
    if (seen.has(key)) problems.push(`queued twice: ${key}`);
    seen.add(key);
    const mail = expected.get(key);
    if (!mail) problems.push(`queued but not called for: ${key} (to ${row.to_email})`);
    else if (mail.to !== row.to_email) problems.push(`${key} went to ${row.to_email}`);
    if (row.status !== 'sent') problems.push(`${key} is ${row.status}`);
    if (!row.message_id) problems.push(`${key} has no Message-ID`);
    else if (byMessageId.has(row.message_id)) problems.push(`${row.message_id} names two mails`);
    else byMessageId.set(row.message_id, row);
  }
  for (const key of expected.keys()) {
    if (!seen.has(key)) problems.push(`never queued: ${key}`);
  }

  const atKill = (index: number) => {
    const at = received[index]?.connectedAt;
    return at !== undefined && kills.some((k) => at >= k.from && at <= k.to);
  };
  const copiesOf = new Map<string, number[]>();
  received.forEach((mail, index) => {
    const row = mail.messageId === null ? undefined : byMessageId.get(mail.messageId);
    if (!row || mail.messageId === null) {
      problems.push(
        `a mail that is none of ours: "${mail.subject}" to ${mail.to.join()} (#${index}, Message-ID ${mail.messageId})`,
      );
      return;
    }
    if (mail.to.join() !== row.to_email || mail.subject !== row.subject) {
      problems.push(`${mail.messageId} arrived as "${mail.subject}" to ${mail.to.join()}`);
    }
    copiesOf.set(mail.messageId, [...(copiesOf.get(mail.messageId) ?? []), index]);
  });
  let repeatsAtKills = 0;
  for (const [messageId, row] of byMessageId) {
    const copies = copiesOf.get(messageId) ?? [];
    if (copies.length === 0) {
      problems.push(`${row.template} to ${row.to_email} never reached the sink`);
      continue;
    }
    if (repeatsAtKillsOnly(copies, row.attempts, atKill)) repeatsAtKills += copies.length - 1;
    else {
      problems.push(
        `${row.template} to ${row.to_email} reached the sink ${copies.length} times (#${copies.join(', #')}), not only at kills`,
      );
    }
  }
  return { expected: expected.size, received: received.length, repeatsAtKills, problems };
}

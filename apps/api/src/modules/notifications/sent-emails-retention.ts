import { finishedRowsRule } from '@evently/platform';
import { sql } from 'kysely';

/**
 * Mails sent before the cutoff. Pending mails (still to send or retry) and dead letters (waiting
 * for an admin's replay, which makes them pending again; see below for those never replayed) are
 * kept whatever their age: only a mail that went out is finished. Its row was the "sent once"
 * key of (source, recipient, template); its source event was delivered long before (see the
 * outbox rule), and a reminder's event has started since, so nothing queues the same mail again.
 */
export const sentEmailsRetention = finishedRowsRule({
  name: 'sent-emails',
  table: 'sent_emails',
  finishedBefore: (cutoff) => sql`status = 'sent' AND sent_at < ${cutoff}`,
  oldestFirst: 'sent_at',
});

/**
 * Dead letters of mails that expire (a one-time code's), dead before the cutoff: they are never
 * replayed (their bodies were cleared when they died), so nothing waits for them. Through the
 * dead-letter index, oldest first.
 */
export const perishableDeadLettersRetention = finishedRowsRule({
  name: 'perishable-dead-letters',
  table: 'sent_emails',
  finishedBefore: (cutoff) =>
    sql`status = 'dead' AND dead_at < ${cutoff} AND expires_at IS NOT NULL`,
  oldestFirst: 'dead_at',
});

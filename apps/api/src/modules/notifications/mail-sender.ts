import type { DbHandle } from '@evently/db';
import { createListeningPollLoop, drainInLanes, type MailerPort } from '@evently/platform';
import type { Logger } from 'pino';
import { afterFailure, DEFAULT_MAIL_RETRY, type MailRetryPolicy } from './mail-retry.js';
import {
  type DueMail,
  MAIL_CHANNEL,
  messageIdOf,
  sentEmailsRepository,
} from './sent-emails.repository.js';

export interface MailSenderOptions {
  retry?: Partial<MailRetryPolicy>;
  /** Mails sent at once. Default 2. */
  concurrency?: number;
  /** The longest wait between two scans when no NOTIFY arrives. Default 1000 ms. */
  pollIntervalMs?: number;
  /**
   * How long a claimed mail stays its sender's: longer than any send takes (the SMTP mailer
   * gives up after 10 s to connect, 10 s for the greeting, 30 s of silence). After it a mail
   * whose sender died is claimed again. Default 60 s.
   */
  leaseMs?: number;
}

export interface MailSenderDeps extends MailSenderOptions {
  db: DbHandle;
  mailer: MailerPort;
  log: Logger;
}

/** How a try ended. */
export type SendOutcome = 'sent' | 'retry' | 'dead';

export interface MailSender {
  start(): Promise<void>;
  /** Lets the mails in flight finish, then stops. */
  stop(): Promise<void>;
  /**
   * Records the outcomes SMTP gave while the database was away, then sends every mail due now;
   * resolves how many tries were made.
   */
  sendDue(): Promise<number>;
}

const MAX_ERROR_LENGTH = 1_000;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

type Attempt =
  | { outcome: 'sent'; messageId: string }
  | { outcome: 'retry'; error: string; delayMs: number }
  | { outcome: 'dead'; error: string };

/**
 * Sends the mails queued in sent_emails, holding no transaction (and no connection) while SMTP
 * answers. Each try:
 * 1. claims the oldest due row in one committed statement: `attempts` + 1 (the claim's token)
 *    and a lease (`next_attempt_at` moved `leaseMs` ahead), so no other sender takes it;
 * 2. hands it to SMTP under the Message-ID fixed when the mail was queued (`messageIdOf`);
 * 3. records the outcome: sent, or a retry after backoff, or a dead letter (see mail-retry.ts).
 * If step 3 fails because the database is away, the outcome is kept in memory and recorded
 * first thing on the next pass — a Postgres restart or outage in the middle of a send sends
 * nothing twice. If the sender itself dies after SMTP accepted (SIGKILL), its lease runs out
 * and the next sender sends the mail again — as the same mail, under the same Message-ID, which
 * mail clients and our tests fold. A sender that dies before SMTP accepted costs the mail its
 * lease's delay, nothing else. A mail whose tries all ended without an outcome (its senders
 * kept dying) becomes a dead letter. Nothing here lives in Redis: a Redis that restarts empty
 * loses no mail.
 */
export function createMailSender(deps: MailSenderDeps): MailSender {
  const { db, mailer, log } = deps;
  const policy: MailRetryPolicy = { ...DEFAULT_MAIL_RETRY, ...deps.retry };
  const concurrency = deps.concurrency ?? 2;
  const leaseMs = deps.leaseMs ?? 60_000;
  let stopping = false;
  /** Outcomes SMTP gave whose recording failed: recorded before anything else is claimed. */
  const unrecorded: Array<{ mail: DueMail; result: Attempt }> = [];

  async function attempt(mail: DueMail): Promise<Attempt> {
    if (mail.attempts > policy.attempts) {
      // Claimed more often than it may be tried: its senders died (or lost the database) each
      // time before recording an outcome.
      return { outcome: 'dead', error: 'no outcome recorded for its last tries' };
    }
    if (mail.expired) {
      // A code mail whose code has expired: sending it would help nobody.
      return { outcome: 'dead', error: 'expired before it could be sent' };
    }
    if (mail.body_text === null || mail.body_html === null) {
      // Only a sent row loses its bodies; a pending one without them cannot be sent.
      return { outcome: 'dead', error: 'the mail has no body' };
    }
    if (mail.attachments === 'invalid') {
      // Written by nothing but the queue; a row edited by hand is not sent half right.
      return { outcome: 'dead', error: 'the mail has unreadable attachments' };
    }
    try {
      const { messageId } = await mailer.send({
        to: mail.to_email,
        subject: mail.subject,
        text: mail.body_text,
        html: mail.body_html,
        // Recorded when the mail was queued (rows from before that: derived the same way).
        messageId: mail.message_id ?? messageIdOf(mail.id),
        ...(mail.attachments.length > 0 && { attachments: mail.attachments }),
      });
      return { outcome: 'sent', messageId };
    } catch (error) {
      // `attempts` already counts this try (the claim).
      const decision = afterFailure(policy, mail.attempts - 1);
      return decision.dead
        ? { outcome: 'dead', error: describe(error) }
        : { outcome: 'retry', error: describe(error), delayMs: decision.delayMs };
    }
  }

  async function record(mail: DueMail, result: Attempt): Promise<void> {
    const claim = { id: mail.id, attempts: mail.attempts };
    const context = { mailId: mail.id, template: mail.template, attempts: mail.attempts };
    if (result.outcome === 'sent') {
      await sentEmailsRepository.markSent(db.db, mail.id, result.messageId);
    } else if (result.outcome === 'retry') {
      await sentEmailsRepository.markRetry(db.db, claim, result.error, result.delayMs);
      log.warn(
        { ...context, error: result.error, retryInMs: result.delayMs },
        'mail not sent; will retry',
      );
    } else {
      await sentEmailsRepository.markDead(db.db, claim, result.error);
      log.error(
        { ...context, error: result.error },
        'mail not sent after its last try; dead letter',
      );
    }
  }

  async function recordUnrecorded(): Promise<void> {
    while (unrecorded.length > 0) {
      const next = unrecorded[0];
      if (!next) break;
      await record(next.mail, next.result);
      unrecorded.shift();
    }
  }

  /** One due mail, if any; resolves how its try ended. */
  async function sendOne(): Promise<SendOutcome | undefined> {
    const mail = await sentEmailsRepository.claimDue(db.db, leaseMs);
    if (!mail) return undefined;
    const result = await attempt(mail);
    try {
      // Recorded right after SMTP answered.
      await record(mail, result);
    } catch (error) {
      unrecorded.push({ mail, result });
      throw error;
    }
    return result.outcome;
  }

  async function sendDue(): Promise<number> {
    await recordUnrecorded();
    // Once an outcome could not be recorded, no lane claims another mail: every send SMTP
    // accepted meanwhile would be one more outcome held only in memory, sent again if this
    // process dies before the database takes them. The next pass records them first.
    return drainInLanes(concurrency, async () => !stopping && (await sendOne()) !== undefined);
  }

  const loop = createListeningPollLoop({
    db,
    channel: MAIL_CHANNEL,
    name: 'mail sender',
    log,
    intervalMs: deps.pollIntervalMs ?? 1_000,
    // sendDue drains the list: nothing is left waiting for an immediate second pass.
    tick: async () => {
      await sendDue();
      return false;
    },
    onError: (error) => log.warn({ err: error }, 'mail sender failed; will retry'),
  });

  return {
    sendDue,
    async start() {
      stopping = false;
      await loop.start();
    },
    async stop() {
      stopping = true;
      await loop.stop();
      // Last chance for outcomes the database did not take; else their leases run out.
      await recordUnrecorded().catch((error: unknown) =>
        log.warn({ err: error, mails: unrecorded.length }, 'mail outcomes not recorded'),
      );
    },
  };
}

import type { DbHandle } from '@evently/db';
import { createPollLoop, type MailerPort } from '@evently/platform';
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
  /** Mails sent at once (each holds a database connection while SMTP answers). Default 2. */
  concurrency?: number;
  /** The longest wait between two scans when no NOTIFY arrives. Default 1000 ms. */
  pollIntervalMs?: number;
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
  /** Sends every mail due now; resolves how many tries were made. */
  sendDue(): Promise<number>;
}

const MAX_ERROR_LENGTH = 1_000;

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, MAX_ERROR_LENGTH);
}

/**
 * Sends the mails queued in sent_emails. Each mail is one transaction: lock the row (`FOR UPDATE
 * SKIP LOCKED`), hand it to SMTP, record the outcome, commit. The lock is held while SMTP
 * answers, so:
 * - a slow send is never taken over by another sender (no lease to guess);
 * - a sender that dies before SMTP accepted the mail leaves nothing behind: its transaction
 *   aborts with its connection, the row is pending again and the next sender sends it;
 * - the one window left is between SMTP's "250 accepted" and our COMMIT (one round trip): a
 *   crash exactly there sends the mail again. SMTP has no idempotency key to close it, but the
 *   copy carries the same Message-ID (fixed when the mail was queued, see `messageIdOf`), so
 *   mail clients and our tests see one mail delivered twice, never two mails.
 * Failed tries back off exponentially and end as dead letters (see mail-retry.ts) that an admin
 * can replay. Nothing here lives in Redis: a Redis that restarts empty loses no mail.
 * (On PGlite, one connection, a send holds the database for its SMTP exchange; the embedded
 * mode normally mails to the in-process dev mailbox.)
 */
export function createMailSender(deps: MailSenderDeps): MailSender {
  const { db, mailer, log } = deps;
  const policy: MailRetryPolicy = { ...DEFAULT_MAIL_RETRY, ...deps.retry };
  const concurrency = deps.concurrency ?? 2;
  let stopping = false;
  let unlisten: (() => Promise<void>) | undefined;

  type Attempt =
    | { outcome: 'sent'; messageId: string }
    | { outcome: 'retry'; error: string; delayMs: number }
    | { outcome: 'dead'; error: string };

  async function attempt(mail: DueMail): Promise<Attempt> {
    if (mail.body_text === null || mail.body_html === null) {
      // Only a sent row loses its bodies; a pending one without them cannot be sent.
      return { outcome: 'dead', error: 'the mail has no body' };
    }
    try {
      const { messageId } = await mailer.send({
        to: mail.to_email,
        subject: mail.subject,
        text: mail.body_text,
        html: mail.body_html,
        // Recorded when the mail was queued (rows from before that: derived the same way).
        messageId: mail.message_id ?? messageIdOf(mail.id),
      });
      return { outcome: 'sent', messageId };
    } catch (error) {
      const decision = afterFailure(policy, mail.attempts);
      return decision.dead
        ? { outcome: 'dead', error: describe(error) }
        : { outcome: 'retry', error: describe(error), delayMs: decision.delayMs };
    }
  }

  /** One due mail, if any; resolves how its try ended. */
  async function sendOne(): Promise<SendOutcome | undefined> {
    return db.db.transaction().execute(async (trx) => {
      const mail = await sentEmailsRepository.claimDue(trx);
      if (!mail) return undefined;
      const result = await attempt(mail);
      const context = { mailId: mail.id, template: mail.template, attempts: mail.attempts + 1 };
      // Recorded right after SMTP answered: the window for a repeat is this one statement.
      if (result.outcome === 'sent') {
        await sentEmailsRepository.markSent(trx, mail.id, result.messageId);
      } else if (result.outcome === 'retry') {
        await sentEmailsRepository.markRetry(trx, mail.id, result.error, result.delayMs);
        log.warn(
          { ...context, error: result.error, retryInMs: result.delayMs },
          'mail not sent; will retry',
        );
      } else {
        await sentEmailsRepository.markDead(trx, mail.id, result.error);
        log.error(
          { ...context, error: result.error },
          'mail not sent after its last try; dead letter',
        );
      }
      return result.outcome;
    });
  }

  async function sendDue(): Promise<number> {
    let tries = 0;
    const lane = async () => {
      while (!stopping && (await sendOne()) !== undefined) tries += 1;
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    return tries;
  }

  const loop = createPollLoop({
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
      try {
        unlisten = await db.listen(MAIL_CHANNEL, () => loop.wake());
      } catch (error) {
        // NOTIFY is a hint: without it the sender still polls.
        log.warn({ err: error }, 'mail sender cannot LISTEN; polling only');
      }
      loop.start();
    },
    async stop() {
      stopping = true;
      await loop.stop();
      await unlisten?.();
      unlisten = undefined;
    },
  };
}

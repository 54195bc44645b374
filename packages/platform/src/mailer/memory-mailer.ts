import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { mailSchema } from './mail-schema.js';
import type { DevMailbox, MailerPort, SentMail } from './mailer.port.js';

/** The one logger call the memory mailer makes; a pino Logger fits. */
export interface MailLog {
  info(fields: Record<string, unknown>, message: string): void;
}

export interface MemoryMailerOptions {
  /** How many mails the dev mailbox keeps; the oldest go first. Default 1000. */
  capacity?: number;
}

export type MemoryMailer = MailerPort & DevMailbox;

const optionsSchema = z.object({ capacity: z.number().int().positive().default(1_000) });

/**
 * Embedded-mode mailer: nothing leaves the process. Mails are kept in a bounded dev mailbox so
 * a developer can read the codes they carry; the log gets only who/what/id — never the body,
 * which holds OTP codes.
 */
export function createMemoryMailer(log: MailLog, options: MemoryMailerOptions = {}): MemoryMailer {
  const { capacity } = optionsSchema.parse(options);
  const mailbox: SentMail[] = [];

  return {
    async send(input) {
      const mail = mailSchema.parse(input);
      const messageId = mail.messageId ?? `<${randomUUID()}@evently.local>`;
      mailbox.push({ ...mail, messageId, sentAt: new Date().toISOString() });
      if (mailbox.length > capacity) mailbox.splice(0, mailbox.length - capacity);
      log.info({ to: mail.to, subject: mail.subject, messageId }, 'mail kept in the dev mailbox');
      return { messageId };
    },

    async verify() {},

    async close() {},

    list(filter) {
      const to = filter?.to?.toLowerCase();
      return mailbox
        .filter((mail) => to === undefined || mail.to.toLowerCase() === to)
        .map((mail) => ({ ...mail }));
    },
  };
}

import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { mailSchema } from './mail-schema.js';
import type { MailerPort } from './mailer.port.js';

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; query options (e.g. `?pool=true`) are honoured. */
  url: string;
  /** The From header, e.g. `Evently <no-reply@evently.dev>`. */
  from: string;
}

const optionsSchema = z.object({
  url: z.url({ protocol: /^smtps?$/ }),
  from: z.string().min(1),
});

/** Mails over SMTP with nodemailer (Mailpit in compose). */
export function createSmtpMailer(options: SmtpMailerOptions): MailerPort {
  const { url, from } = optionsSchema.parse(options);
  const transporter = createTransport(
    {
      url,
      // nodemailer waits up to 2 minutes by default: a readiness check or a mail job must not.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    },
    { from },
  );

  return {
    async send(input) {
      const { messageId, attachments, ...mail } = mailSchema.parse(input);
      // nodemailer writes `messageId` as the Message-ID header (else it makes a random one),
      // and puts attachments with a `cid` inline, in a multipart/related part beside the HTML.
      const info = await transporter.sendMail({
        ...mail,
        ...(messageId !== undefined && { messageId }),
        ...(attachments?.length && {
          attachments: attachments.map((a) => ({
            filename: a.filename,
            contentType: a.contentType,
            cid: a.contentId,
            content: a.contentBase64,
            encoding: 'base64',
          })),
        }),
      });
      return { messageId: info.messageId };
    },
    async verify() {
      await transporter.verify();
    },
    async close() {
      transporter.close();
    },
  };
}

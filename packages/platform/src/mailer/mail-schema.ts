import { z } from 'zod';

const singleLine = /^[^\r\n]*$/;

/**
 * A Message-ID as RFC 5322 writes it, `<left@right>`, restricted to characters that need no
 * quoting (a uuid and a host name fit).
 */
export const messageIdSchema = z
  .string()
  .max(250)
  .regex(/^<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>$/, 'a Message-ID is <left@right>');

/**
 * An image the HTML body shows inline (`<img src="cid:{contentId}">`), e.g. a ticket's QR code:
 * base64 so a queued mail keeps it as plain JSON, and a Content-ID that needs no quoting.
 */
export const mailAttachmentSchema = z.object({
  filename: z.string().min(1).max(200).regex(singleLine, 'filename must be a single line'),
  contentType: z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/, 'contentType is type/subtype'),
  contentId: z
    .string()
    .max(200)
    .regex(/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$/, 'contentId is left@right'),
  contentBase64: z.base64().min(1),
});

/**
 * What either mailer accepts: one recipient, a one-line subject, a text and an HTML body, and
 * optionally the Message-ID to send it under (else the mailer makes a random one). A caller that
 * may send a mail twice (a retry after a crash) passes the same one each time, so receivers can
 * tell the copies are one mail.
 */
export const mailSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(998).regex(singleLine, 'subject must be a single line'),
  text: z.string(),
  html: z.string(),
  messageId: messageIdSchema.optional(),
  /** Inline images (at most 100: a booking's tickets); none for most mails. */
  attachments: z.array(mailAttachmentSchema).max(100).optional(),
});

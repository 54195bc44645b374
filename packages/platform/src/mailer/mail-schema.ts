import { z } from 'zod';

const singleLine = /^[^\r\n]*$/;

/** What either mailer accepts: one recipient, a one-line subject, a text and an HTML body. */
export const mailSchema = z.object({
  to: z.email(),
  subject: z.string().min(1).max(998).regex(singleLine, 'subject must be a single line'),
  text: z.string(),
  html: z.string(),
});

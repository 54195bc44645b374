import { z } from 'zod';
import { keysetPageInputSchema, pageOutputSchema } from './pagination.js';
import { idSchema, instantSchema } from './primitives.js';

/**
 * The mail dead letters (admin): mails whose every try failed. A replay puts them back in the
 * send queue with a fresh set of tries; a mail already sent is never sent again.
 */
export const deadLetterMailSchema = z.object({
  id: idSchema,
  /** Which mail, e.g. `booking-confirmed`. */
  template: z.string(),
  /** What caused it: an outbox event id, `event:<id>:cancelled`, `booking:<id>:reminder`. */
  source: z.string(),
  to: z.string(),
  subject: z.string(),
  attempts: z.int().nonnegative(),
  /** The last SMTP error, as the mail server or the transport said it. */
  lastError: z.string().nullable(),
  createdAt: instantSchema,
  deadAt: instantSchema,
});
export type DeadLetterMail = z.infer<typeof deadLetterMailSchema>;

/** The dead letters' sort key: dead-at, then id. */
const deadLettersSortKeySchema = z.strictObject({ d: instantSchema, id: idSchema });

export const deadLettersInputSchema = keysetPageInputSchema(deadLettersSortKeySchema);
export const deadLetterPageSchema = pageOutputSchema(deadLetterMailSchema);

/** Some dead letters by id, or all of them. */
export const replayDeadLettersInputSchema = z.union([
  z.object({ ids: z.array(idSchema).min(1).max(100) }),
  z.object({ all: z.literal(true) }),
]);
export type ReplayDeadLettersInput = z.infer<typeof replayDeadLettersInputSchema>;

export const replayDeadLettersOutputSchema = z.object({ replayed: z.int().nonnegative() });

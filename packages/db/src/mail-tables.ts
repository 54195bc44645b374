import type { ColumnType, Generated } from 'kysely';
import type { CreatedAt, Timestamp } from './column-types.js';

/** Outgoing mails (notifications module): sent once per (source, recipient, template). */
export interface SentEmailsTable {
  id: string;
  /** An outbox event id, `event:<id>:cancelled` or `booking:<id>:reminder`. */
  source: string;
  recipient_id: string;
  template: string;
  to_email: string;
  subject: string;
  /** Null once sent, or once dead for a mail that expires (a code mail's body holds its code). */
  body_text: string | null;
  body_html: string | null;
  status: ColumnType<'pending' | 'sent' | 'dead', 'pending' | 'sent' | 'dead' | undefined>;
  attempts: Generated<number>;
  next_attempt_at: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  message_id: string | null;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  dead_at: Timestamp | null;
  /**
   * Worth sending only until then (a one-time code's mail): dropped unsent after it, bodies
   * cleared when it dies, never replayed. Null for every other mail.
   */
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /**
   * Inline images (`{ filename, contentType, contentId, contentBase64 }[]`, a confirmation's
   * ticket QR codes), written as JSON text; cleared with the bodies. Null for most mails.
   */
  attachments: ColumnType<unknown[] | null, string | null | undefined, string | null>;
}

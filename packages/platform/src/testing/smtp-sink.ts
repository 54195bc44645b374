import { EventEmitter } from 'node:events';
import type { AddressObject } from 'mailparser';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail as the SMTP sink received and parsed it. */
export interface ReceivedMail {
  envelopeFrom: string | null;
  envelopeTo: string[];
  from: string[];
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string | null;
  /** Its attachments (inline images with their Content-ID, without angle brackets). */
  attachments: Array<{
    filename: string | null;
    contentType: string;
    contentId: string | null;
    inline: boolean;
    content: Buffer;
  }>;
  /**
   * When the SMTP connection it came over was opened (epoch ms): which sender sent it, even
   * when the sender died before the sink finished reading it (the message lands later).
   */
  connectedAt: number;
}

/** A real SMTP server on a random local port that keeps every mail it receives. */
export interface SmtpSink {
  readonly port: number;
  /** `smtp://127.0.0.1:<port>`: plain SMTP, no auth, no STARTTLS. */
  readonly url: string;
  readonly messages: readonly ReceivedMail[];
  /** Resolves with the first mail (already received or still to come) matching `predicate`. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const arrivals = new EventEmitter();
  const connectedAt = new Map<string, number>();

  const server = new SMTPServer({
    authOptional: true,
    // Without a real certificate, offering STARTTLS would make clients fail the handshake.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onConnect(session, callback) {
      connectedAt.set(session.id, Date.now());
      callback();
    },
    onClose(session) {
      connectedAt.delete(session.id);
    },
    onData(stream, session, callback) {
      const opened = connectedAt.get(session.id) ?? Date.now();
      // cid: links stay as sent (by default mailparser inlines them as data: URIs).
      simpleParser(stream, { keepCidLinks: true })
        .then((parsed) => {
          const mail: ReceivedMail = {
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: addresses(parsed.from),
            to: addresses(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: parsed.html === false ? '' : (parsed.html ?? ''),
            messageId: parsed.messageId ?? null,
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename ?? null,
              contentType: a.contentType,
              contentId: a.cid ?? null,
              inline: a.contentDisposition === 'inline' || a.related === true,
              content: a.content,
            })),
            connectedAt: opened,
          };
          messages.push(mail);
          arrivals.emit('mail', mail);
          callback();
        })
        .catch((error: unknown) =>
          callback(error instanceof Error ? error : new Error(String(error))),
        );
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('SMTP sink has no TCP port');
  // A client dropping its connection must not crash the test process.
  server.on('error', () => {});

  return {
    port: address.port,
    url: `smtp://127.0.0.1:${address.port}`,
    messages,
    waitFor(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const onMail = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          arrivals.off('mail', onMail);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          arrivals.off('mail', onMail);
          reject(new Error(`no matching mail reached the SMTP sink within ${timeoutMs} ms`));
        }, timeoutMs);
        arrivals.on('mail', onMail);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  if (!field) return [];
  const list = Array.isArray(field) ? field : [field];
  return list.flatMap((object) =>
    object.value.flatMap((entry) => (entry.address ? [entry.address] : [])),
  );
}

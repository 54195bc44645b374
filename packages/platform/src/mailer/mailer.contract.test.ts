import { randomUUID } from 'node:crypto';
import { findFreePort } from '@evently/db/testing/free-port';
import { afterAll, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '../testing/smtp-sink.js';
import type { Mail, MailerPort } from './mailer.port.js';
import { createMemoryMailer, type MailLog } from './memory-mailer.js';
import { createSmtpMailer } from './smtp-mailer.js';

/** A mail as it reached its destination (dev mailbox or SMTP server). */
interface Delivered extends Omit<Mail, 'messageId' | 'attachments'> {
  messageId: string | null;
  /** Inline images as received: Content-ID and bytes. */
  inlineImages: Array<{ contentId: string | null; contentType: string; content: Buffer }>;
}

interface Backend {
  name: string;
  setup(): Promise<{ mailer: MailerPort; delivered(to: string): Promise<Delivered> }>;
}

const sinks: SmtpSink[] = [];
const mailers: MailerPort[] = [];
const silent: MailLog = { info() {} };

const backends: Backend[] = [
  {
    name: 'memory',
    async setup() {
      const mailer = createMemoryMailer(silent);
      mailers.push(mailer);
      return {
        mailer,
        async delivered(to) {
          const [mail] = mailer.list({ to });
          if (!mail) throw new Error(`no mail to ${to} in the dev mailbox`);
          const inlineImages = (mail.attachments ?? []).map((a) => ({
            contentId: a.contentId,
            contentType: a.contentType,
            content: Buffer.from(a.contentBase64, 'base64'),
          }));
          return { ...mail, inlineImages };
        },
      };
    },
  },
  {
    name: 'smtp',
    async setup() {
      const sink = await startSmtpSink();
      sinks.push(sink);
      const mailer = createSmtpMailer({ url: sink.url, from: 'Evently <no-reply@evently.test>' });
      mailers.push(mailer);
      return {
        mailer,
        async delivered(to) {
          const mail = await sink.waitFor((received) => received.to.includes(to));
          const inlineImages = mail.attachments
            .filter((a) => a.inline)
            .map(({ contentId, contentType, content }) => ({ contentId, contentType, content }));
          return { ...mail, to: mail.to.join(', '), inlineImages };
        },
      };
    },
  },
];

afterAll(async () => {
  await Promise.all(mailers.map((mailer) => mailer.close()));
  await Promise.all(sinks.map((sink) => sink.close()));
});

function sampleMail(): Mail {
  const code = String(Math.floor(100_000 + Math.random() * 900_000));
  return {
    to: `ada+${randomUUID().slice(0, 8)}@example.com`,
    subject: `Votre code de vérification — ${code}`,
    text: `Bonjour Ada,\n\nYour code is ${code}. It expires in 10 minutes.\n`,
    html: `<p>Bonjour Ada,</p><p>Your code is <strong>${code}</strong>. It expires in 10 minutes.</p>`,
  };
}

describe.each(backends)('$name mailer (contract)', ({ setup }) => {
  it('sends a mail that arrives with recipient, subject and both bodies intact', async () => {
    const { mailer, delivered } = await setup();
    const mail = sampleMail();
    const { messageId } = await mailer.send(mail);
    expect(messageId).toMatch(/^<.+@.+>$/);
    const received = await delivered(mail.to);
    expect(received).toMatchObject({ to: mail.to, subject: mail.subject, messageId });
    expect(received.text.trim()).toBe(mail.text.trim());
    expect(received.html.trim()).toBe(mail.html);
  });

  it('sends inline images the HTML shows by cid, byte for byte, and none when not given', async () => {
    const { mailer, delivered } = await setup();
    // Two tiny distinct "images": the bytes must survive base64 and MIME as they are.
    const images = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]), Buffer.from('second')];
    const mail: Mail = {
      ...sampleMail(),
      html: '<p>Your tickets</p><img src="cid:t1@evently"><img src="cid:t2@evently">',
      attachments: images.map((content, i) => ({
        filename: `ticket-${i + 1}.png`,
        contentType: 'image/png',
        contentId: `t${i + 1}@evently`,
        contentBase64: content.toString('base64'),
      })),
    };
    await mailer.send(mail);
    const received = await delivered(mail.to);
    expect(received.html.trim()).toBe(mail.html);
    expect(received.inlineImages).toEqual(
      images.map((content, i) => ({
        contentId: `t${i + 1}@evently`,
        contentType: 'image/png',
        content,
      })),
    );
    const plain = sampleMail();
    await mailer.send(plain);
    expect((await delivered(plain.to)).inlineImages).toEqual([]);
  });

  it('refuses an attachment with a Content-ID that could break its header, or that is not base64', async () => {
    const { mailer } = await setup();
    const attachment = {
      filename: 'a.png',
      contentType: 'image/png',
      contentId: 'a@evently',
      contentBase64: 'AAEC',
    };
    for (const bad of [
      { contentId: 'a@evently>\r\nBcc: x@example.com' },
      { contentId: '<a@evently>' },
      { contentBase64: 'not base64!' },
      { filename: 'a\r\nb.png' },
    ]) {
      await expect(
        mailer.send({ ...sampleMail(), attachments: [{ ...attachment, ...bad }] }),
      ).rejects.toThrow();
    }
  });

  it('gives every mail its own messageId', async () => {
    const { mailer } = await setup();
    const first = await mailer.send(sampleMail());
    const second = await mailer.send(sampleMail());
    expect(first.messageId).not.toBe(second.messageId);
  });

  it('sends a mail under the Message-ID it is given, the same one each time it is sent', async () => {
    const { mailer, delivered } = await setup();
    const mail = { ...sampleMail(), messageId: `<${randomUUID()}@evently>` };
    expect(await mailer.send(mail)).toEqual({ messageId: mail.messageId });
    expect(await delivered(mail.to)).toMatchObject({ messageId: mail.messageId });
    expect(await mailer.send(mail)).toEqual({ messageId: mail.messageId });
  });

  it('refuses a Message-ID that is not <left@right> or could break the header', async () => {
    const { mailer } = await setup();
    for (const messageId of [
      'no-brackets@evently',
      '<no-at>',
      '<a@b>\r\nBcc: victim@example.com',
    ]) {
      await expect(mailer.send({ ...sampleMail(), messageId })).rejects.toThrow();
    }
  });

  it('verifies a reachable transport', async () => {
    const { mailer } = await setup();
    await expect(mailer.verify()).resolves.toBeUndefined();
  });

  it('refuses a mail without a valid recipient or with a multi-line subject', async () => {
    const { mailer } = await setup();
    await expect(mailer.send({ ...sampleMail(), to: 'not an address' })).rejects.toThrow();
    await expect(
      mailer.send({ ...sampleMail(), subject: 'a\r\nBcc: victim@example.com' }),
    ).rejects.toThrow();
  });
});

describe('memory mailer (dev mailbox specifics)', () => {
  it('logs who and what, never the body', async () => {
    const lines: Array<{ fields: Record<string, unknown>; message: string }> = [];
    const mailer = createMemoryMailer({
      info: (fields, message) => lines.push({ fields, message }),
    });
    const mail = { ...sampleMail(), subject: 'Verify your email' };
    const { messageId } = await mailer.send(mail);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.fields).toEqual({ to: mail.to, subject: mail.subject, messageId });
    const code = /\d{6}/.exec(mail.text)?.[0];
    expect(code).toBeDefined();
    expect(JSON.stringify(lines)).not.toContain(code);
  });

  it('keeps the newest mails up to its capacity, filtered by recipient', async () => {
    const mailer = createMemoryMailer(silent, { capacity: 3 });
    const mails = Array.from({ length: 5 }, sampleMail);
    for (const mail of mails) await mailer.send(mail);
    expect(mailer.list().map((mail) => mail.to)).toEqual(mails.slice(2).map((mail) => mail.to));
    const last = mails[4];
    expect(mailer.list({ to: last?.to.toUpperCase() })).toHaveLength(1);
    expect(mailer.list({ to: mails[0]?.to })).toEqual([]);
    const [kept] = mailer.list({ to: last?.to });
    expect(kept?.sentAt).toBe(new Date(kept?.sentAt ?? '').toISOString());
  });

  it('hands out copies of the kept mails', async () => {
    const mailer = createMemoryMailer(silent);
    const mail = sampleMail();
    await mailer.send(mail);
    const [copy] = mailer.list();
    if (copy) copy.subject = 'changed';
    expect(mailer.list()[0]?.subject).toBe(mail.subject);
  });
});

describe('smtp mailer (SMTP specifics)', () => {
  it('fails verify() when nothing listens on the port', async () => {
    const port = await findFreePort();
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${port}`,
      from: 'no-reply@evently.test',
    });
    try {
      await expect(mailer.verify()).rejects.toThrow(/ECONNREFUSED/);
      await expect(mailer.send(sampleMail())).rejects.toThrow();
    } finally {
      await mailer.close();
    }
  });

  it('sends with the configured From', async () => {
    const sink = await startSmtpSink();
    const mailer = createSmtpMailer({ url: sink.url, from: 'Evently <no-reply@evently.test>' });
    try {
      const mail = sampleMail();
      await mailer.send(mail);
      const received = await sink.waitFor((m) => m.to.includes(mail.to));
      expect(received.from).toEqual(['no-reply@evently.test']);
      expect(received.envelopeFrom).toBe('no-reply@evently.test');
      expect(received.envelopeTo).toEqual([mail.to]);
    } finally {
      await mailer.close();
      await sink.close();
    }
  });

  it('refuses a URL that is not smtp(s)', () => {
    expect(() => createSmtpMailer({ url: 'http://127.0.0.1:25', from: 'a@b.c' })).toThrow();
  });
});

import { randomUUID } from 'node:crypto';
import { appendEvent } from '@evently/db';
import { toDeliveryJob } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import {
  CODE_EXPIRES_AT,
  type MailEvent,
  type Person,
  useMailConsumer,
} from '../../../../test/mail-consumer.fixtures.js';

interface Case {
  label: string;
  event(person: Person): MailEvent;
  subject: string;
  /** In both the text and the HTML part. */
  says: string[];
  /** In neither part. */
  never?: RegExp;
  /** A one-time code mail's code, waiting in its row as the auth service leaves it. */
  code?: string;
}

const readableExpiry = 'Tue, 3 Nov 2037, 14:05 UTC';
const noAsking = 'Nobody from Evently will ever ask you for this code';

const cases: Case[] = [
  {
    label: 'user.verification_requested -> verification code',
    code: '042917',
    event: (p) => ({
      topic: 'user.verification_requested',
      payload: { ...p, otpId: randomUUID(), expiresAt: CODE_EXPIRES_AT },
    }),
    subject: 'Your Evently verification code',
    says: ['verify your email address', '042917', readableExpiry, noAsking],
  },
  {
    label: 'user.registration_attempted -> already-registered notice',
    event: (p) => ({ topic: 'user.registration_attempted', payload: p }),
    subject: 'You already have an Evently account',
    says: ['You already have an account', 'nothing was created'],
    never: /\b\d{6}\b/,
  },
  {
    label: 'user.email_verified -> welcome',
    event: (p) => ({ topic: 'user.email_verified', payload: p }),
    subject: 'Welcome to Evently',
    says: ['Your email address is verified'],
    never: /\b\d{6}\b/,
  },
  {
    label: 'user.password_reset_requested -> reset code',
    code: '880031',
    event: (p) => ({
      topic: 'user.password_reset_requested',
      payload: { ...p, otpId: randomUUID(), expiresAt: CODE_EXPIRES_AT },
    }),
    subject: 'Your Evently password reset code',
    says: ['reset your password', '880031', readableExpiry, noAsking],
  },
  {
    label: 'user.password_changed (change) -> password changed',
    event: (p) => ({ topic: 'user.password_changed', payload: { ...p, via: 'change' } }),
    subject: 'Your Evently password was changed',
    says: ['changed from your account settings', 'Every other device', 'If it was not'],
  },
  {
    label: 'user.password_changed (reset) -> password changed',
    event: (p) => ({ topic: 'user.password_changed', payload: { ...p, via: 'reset' } }),
    subject: 'Your Evently password was changed',
    says: ['reset with a code sent to this address', 'Every device', 'If it was not'],
  },
];

// What each topic mails, over real SMTP: to whom, with what, escaped where it must be.
describe('mail consumer: the mail of each topic', () => {
  const { rig, deliver, person, publish, mailsTo, processed } = useMailConsumer();

  it.each(cases)('$label: arrives at the payload address', async (c) => {
    const to = person();
    const job = await publish(c.event(to), c.code);
    expect(await deliver(job)).toBe('applied');
    const mail = await rig().sink.waitFor((m) => m.envelopeTo.includes(to.email));
    expect(mail.envelopeTo).toEqual([to.email]);
    expect(mail.to).toEqual([to.email]);
    expect(mail.from).toEqual(['no-reply@evently.test']);
    expect(mail.subject).toBe(c.subject);
    expect(mail.text).toContain('Hello Ada Lovelace,');
    expect(mail.html).toContain('<p>Hello Ada Lovelace,</p>');
    expect(mail.html).toMatch(/^<!doctype html>/);
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain(`This mail was sent to ${to.email}.`);
      for (const phrase of c.says) expect(part).toContain(phrase);
      if (c.never) expect(part).not.toMatch(c.never);
    }
    expect(await processed(job.id)).toEqual(['mail']);
  });

  it('shows a code expiry as a machine-readable instant in the HTML', async () => {
    const to = person();
    const [first] = cases;
    if (!first) throw new Error('cases expected');
    await deliver(await publish(first.event(to), first.code));
    const [mail] = mailsTo(to.email);
    expect(mail?.html).toContain(`<time datetime="${CODE_EXPIRES_AT}">${readableExpiry}</time>`);
    expect(mail?.text).toContain(`It expires at ${readableExpiry} (${CODE_EXPIRES_AT})`);
  });

  it.each(cases)('$label: user-supplied values are escaped in the HTML only', async (c) => {
    const name = '<script>alert(1)</script> & "Bob"';
    const to = person(name, "o'brien");
    await deliver(await publish(c.event(to), c.code));
    const [mail] = mailsTo(to.email);
    if (!mail) throw new Error(`no mail to ${to.email}`);
    expect(mail.html).not.toContain('<script');
    expect(mail.html).not.toContain(name);
    expect(mail.html).toContain(
      '<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot;,</p>',
    );
    expect(mail.html).toContain(`This mail was sent to ${to.email.replace("'", '&#39;')}.`);
    expect(mail.text).toContain(`Hello ${name},`);
    expect(mail.text).toContain(`This mail was sent to ${to.email}.`);
    expect(mail.subject).toBe(c.subject);
  });

  it('ignores topics that carry no mail', async () => {
    const { id } = await appendEvent(rig().test.handle.db, {
      topic: 'user.role_changed',
      payload: { userId: randomUUID(), role: 'organizer', previousRole: 'user' },
    });
    const row = await rig()
      .test.handle.db.selectFrom('outbox')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const before = rig().sink.messages.length;
    expect(await deliver(toDeliveryJob(row))).toBe('ignored');
    expect(rig().sink.messages).toHaveLength(before);
    expect(await processed(id)).toEqual([]);
  });
});

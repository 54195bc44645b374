import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { createMemoryMailer } from '@evently/platform';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createMailConsumer } from './mail.consumer.js';
import type { MailTemplateCatalogue, MailTemplateMap, RenderedMail } from './mail-template.js';
import { type MailTopic, mailTemplates, mailTopics, renderMail } from './mail-templates.js';
import { passwordChangedMail } from './templates/password-changed.mail.js';
import { welcomeMail } from './templates/welcome.mail.js';

const authMailTopics = [
  'user.verification_requested',
  'user.registration_attempted',
  'user.email_verified',
  'user.password_reset_requested',
  'user.password_changed',
] as const;

const person = { userId: randomUUID(), email: 'ada@example.com', name: 'Ada' };
const otp = { ...person, code: '123456', expiresAt: '2026-11-03T14:05:00.000Z' };
const samples: { [K in MailTopic]: DomainEventPayload<K> } = {
  'user.verification_requested': otp,
  'user.registration_attempted': person,
  'user.email_verified': person,
  'user.password_reset_requested': otp,
  'user.password_changed': { ...person, via: 'change' },
};

describe('mail templates', () => {
  it('type: every subscribed topic has a template of its own payload', () => {
    expectTypeOf<MailTopic>().toEqualTypeOf<(typeof authMailTopics)[number]>();
    expectTypeOf(mailTemplates).toExtend<MailTemplateMap<MailTopic>>();
    // These lines are the test: `tsc -p .` fails if any of them typechecks.
    // @ts-expect-error a map missing a subscribed topic's template
    const missing: MailTemplateMap<'user.email_verified' | 'user.password_changed'> = {
      'user.email_verified': welcomeMail,
    };
    const wrongPayload = {
      // @ts-expect-error a template of another payload (this one needs `via`) for a topic
      'user.email_verified': passwordChangedMail,
    } satisfies MailTemplateCatalogue;
    const unmailable = {
      // @ts-expect-error a topic whose payload has no email address cannot have a mail
      'event.created': welcomeMail,
    } satisfies MailTemplateCatalogue;
    expect([missing, wrongPayload, unmailable]).toHaveLength(3);
  });

  it('the consumer subscribes to exactly the topics that have a template', () => {
    const consumer = createMailConsumer({ mailer: createMemoryMailer({ info() {} }) });
    expect(consumer.name).toBe('mail');
    expect([...consumer.topics].sort()).toEqual([...authMailTopics].sort());
    expect([...mailTopics].sort()).toEqual([...consumer.topics].sort());
    for (const topic of consumer.topics) {
      expect(typeof (mailTemplates as Record<string, unknown>)[topic], topic).toBe('function');
    }
  });

  it.each(mailTopics)('%s renders a one-line subject, a text and an HTML document', (topic) => {
    const mail: RenderedMail = renderMail(topic, samples[topic]);
    expect(mail.subject).toMatch(/^Your Evently|^You already|^Welcome/);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).not.toContain(person.name);
    expect(mail.text).toContain('Hello Ada,');
    expect(mail.text).toContain('This mail was sent to ada@example.com.');
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain('<p>Hello Ada,</p>');
    expect(mail.html).toContain('This mail was sent to ada@example.com.');
  });

  it('greets without a name when the account has none', () => {
    const mail = renderMail('user.email_verified', { ...person, name: '  ' });
    expect(mail.text).toContain('Hello,');
    expect(mail.html).toContain('<p>Hello,</p>');
  });
});

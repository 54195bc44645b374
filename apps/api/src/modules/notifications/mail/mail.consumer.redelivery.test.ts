import { createSmtpMailer, deliverEvent } from '@evently/platform';
import { findFreePort } from '@evently/platform/testing';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../../../../test/capture-log.js';
import { MAIL_FROM, useMailConsumer } from '../../../../test/mail-consumer.fixtures.js';
import { createMailSender } from '../mail-sender.js';

const BACKOFF_MS = 60_000;

// Exactly once, over real SMTP: an event delivered twice, at once, or again after its mail went
// out sends one mail; an unreachable SMTP server leaves the event done and the mail to retry.
describe('mail consumer: each mail once', () => {
  const { rig, deliver, person, publish, mailsTo, processed } = useMailConsumer();

  it('sends exactly one mail when the same job is delivered twice', async () => {
    const to = person();
    const job = await publish({ topic: 'user.email_verified', payload: to });
    expect(await deliver(job)).toBe('applied');
    expect(await deliver(job)).toBe('duplicate');
    expect(mailsTo(to.email)).toHaveLength(1);
    expect(await processed(job.id)).toEqual(['mail']);
  });

  it('sends exactly one mail when duplicates of a job are delivered at once', async () => {
    const to = person();
    const job = await publish({ topic: 'user.registration_attempted', payload: to });
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => deliverEvent(rig().test.handle.db, rig().consumer, { ...job })),
    );
    expect(outcomes.sort()).toEqual(['applied', 'duplicate', 'duplicate']);
    await Promise.all([rig().sender.sendDue(), rig().sender.sendDue()]);
    expect(mailsTo(to.email)).toHaveLength(1);
  });

  it('sends nothing again when an event is redelivered after its mail went out', async () => {
    // As if the worker died after SMTP accepted the mail but before processed_events committed:
    // the event comes again and finds the mail already in sent_emails.
    const to = person();
    const job = await publish({ topic: 'user.password_changed', payload: { ...to, via: 'reset' } });
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(1);
    await rig()
      .test.handle.db.deleteFrom('processed_events')
      .where('event_id', '=', job.id)
      .execute();
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(1);
    const rows = await rig()
      .test.handle.db.selectFrom('sent_emails')
      .select(['status', 'template', 'recipient_id', 'body_text', 'body_html', 'message_id'])
      .where('source', '=', job.id)
      .execute();
    expect(rows).toEqual([
      {
        status: 'sent',
        template: 'password-changed',
        recipient_id: to.userId,
        // The bodies go once sent (a code mail's would hold the code); the record stays.
        body_text: null,
        body_html: null,
        message_id: mailsTo(to.email)[0]?.messageId,
      },
    ]);
  });

  it('keeps the event done and retries the send when SMTP is unreachable', async () => {
    const { test, consumer, sender } = rig();
    const deadMailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${await findFreePort()}`,
      from: MAIL_FROM,
    });
    try {
      const to = person();
      const job = await publish({ topic: 'user.email_verified', payload: to });
      // A backoff no loaded machine outlasts between the calls below; the test moves past it.
      const unreachable = createMailSender({
        db: test.handle,
        mailer: deadMailer,
        log: silentLog,
        retry: { backoffMs: BACKOFF_MS },
      });
      expect(await deliverEvent(test.handle.db, consumer, job)).toBe('applied');
      const triedAt = Date.now();
      expect(await unreachable.sendDue()).toBe(1);
      expect(await processed(job.id)).toEqual(['mail']);
      const mail = () => test.handle.db.selectFrom('sent_emails').where('source', '=', job.id);
      const row = await mail()
        .select(['status', 'attempts', 'last_error', 'next_attempt_at'])
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row.last_error).toMatch(/ECONNREFUSED/);
      // Due again one backoff after the failed try, not before.
      expect(row.next_attempt_at.getTime()).toBeGreaterThanOrEqual(triedAt + BACKOFF_MS - 1_000);
      expect(row.next_attempt_at.getTime()).toBeLessThanOrEqual(Date.now() + BACKOFF_MS + 1_000);
      expect(await sender.sendDue()).toBe(0);
      // Its backoff over (moved into the past rather than waited for): sent, once.
      await test.handle.db
        .updateTable('sent_emails')
        .set({ next_attempt_at: new Date(Date.now() - 1_000) })
        .where('source', '=', job.id)
        .execute();
      expect(await sender.sendDue()).toBe(1);
      expect(mailsTo(to.email)).toHaveLength(1);
      expect(await sender.sendDue()).toBe(0);
    } finally {
      await deadMailer.close();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { deliverEvent } from '@evently/platform';
import { describe, expect, it } from 'vitest';
import { CODE_EXPIRES_AT, useMailConsumer } from '../../../../test/mail-consumer.fixtures.js';

// A one-time code reaches its mail from the code's row, never through the outbox, and is kept
// no longer than it must be: cleared from the row once queued, from the body once sent.
describe('mail consumer: one-time codes', () => {
  const { rig, deliver, person, storeCode, publish, mailsTo } = useMailConsumer();

  it('takes a code from its row: never in the outbox, cleared from the row once queued, from the body once sent', async () => {
    const to = person();
    const otpId = randomUUID();
    const job = await publish(
      {
        topic: 'user.password_reset_requested',
        payload: { ...to, otpId, expiresAt: CODE_EXPIRES_AT },
      },
      '314159',
    );
    expect(JSON.stringify(job.payload)).not.toContain('314159');
    expect(await deliverEvent(rig().test.handle.db, rig().consumer, job)).toBe('applied');
    const row = (id: string) =>
      rig()
        .test.handle.db.selectFrom('otp_codes')
        .select('mail_code')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
    expect(await row(otpId)).toEqual({ mail_code: null });
    const queued = () =>
      rig()
        .test.handle.db.selectFrom('sent_emails')
        .select(['status', 'body_text', 'body_html'])
        .where('source', '=', job.id)
        .executeTakeFirstOrThrow();
    expect((await queued()).body_text).toContain('314159');
    await rig().sender.sendDue();
    expect(mailsTo(to.email)[0]?.text).toContain('314159');
    expect(await queued()).toEqual({ status: 'sent', body_text: null, body_html: null });
  });

  it('mails nothing for a code replaced (or already mailed) before its event is handled', async () => {
    const to = person();
    const otpId = randomUUID();
    await storeCode(otpId, null);
    const taken = await publish({
      topic: 'user.verification_requested',
      payload: { ...to, otpId, expiresAt: CODE_EXPIRES_AT },
    });
    const gone = await publish({
      topic: 'user.verification_requested',
      payload: { ...to, otpId: randomUUID(), expiresAt: CODE_EXPIRES_AT },
    });
    expect(await deliver(taken)).toBe('applied');
    expect(await deliver(gone)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(0);
    const queued = await rig()
      .test.handle.db.selectFrom('sent_emails')
      .select('id')
      .where('source', 'in', [taken.id, gone.id])
      .execute();
    expect(queued).toEqual([]);
  });

  it('mails nothing for a code that expired before its event is handled, and clears it', async () => {
    const to = person();
    const otpId = randomUUID();
    const expired = new Date(Date.now() - 1_000);
    await storeCode(otpId, '271828', expired);
    const job = await publish({
      topic: 'user.password_reset_requested',
      payload: { ...to, otpId, expiresAt: expired.toISOString() },
    });
    expect(await deliver(job)).toBe('applied');
    expect(mailsTo(to.email)).toHaveLength(0);
    const code = await rig()
      .test.handle.db.selectFrom('otp_codes')
      .select('mail_code')
      .where('id', '=', otpId)
      .executeTakeFirstOrThrow();
    expect(code).toEqual({ mail_code: null });
    const queued = await rig()
      .test.handle.db.selectFrom('sent_emails')
      .select('id')
      .where('source', '=', job.id)
      .execute();
    expect(queued).toEqual([]);
  });
});

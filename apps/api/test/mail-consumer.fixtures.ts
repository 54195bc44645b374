import { randomUUID } from 'node:crypto';
import type { DomainEventPayload } from '@evently/contracts';
import { appendEvent } from '@evently/db';
import { createTestDatabase, type TestDatabase } from '@evently/db/testing';
import {
  type Consumer,
  createSmtpMailer,
  type DeliveryJob,
  deliverEvent,
  type MailerPort,
  toDeliveryJob,
} from '@evently/platform';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from '@evently/platform/testing';
import { afterAll, beforeAll } from 'vitest';
import { createMailConsumer } from '../src/modules/notifications/mail/mail.consumer.js';
import type { MailTopic } from '../src/modules/notifications/mail/mail-templates.js';
import { createMailSender, type MailSender } from '../src/modules/notifications/mail-sender.js';
import { silentLog } from './capture-log.js';

export type MailEvent = {
  [K in MailTopic]: { topic: K; payload: DomainEventPayload<K> };
}[MailTopic];
export type Person = DomainEventPayload<'user.email_verified'>;

/** Far ahead: a code mail past its expiry is not sent. */
export const CODE_EXPIRES_AT = '2037-11-03T14:05:37.000Z';
export const MAIL_FROM = 'Evently <no-reply@evently.test>';

/** The mail consumer and sender over a database of their own and a real SMTP sink. */
export interface MailConsumerRig {
  test: TestDatabase;
  sink: SmtpSink;
  consumer: Consumer;
  sender: MailSender;
}

/**
 * Registers, in the calling describe, the rig and its cleanup; answers it with the steps every
 * mail consumer test takes: publish an event as a producer does, deliver it, read what came.
 */
export function useMailConsumer() {
  let rig: MailConsumerRig | undefined;
  let mailer: MailerPort | undefined;
  beforeAll(async () => {
    const test = await createTestDatabase('mail');
    const sink = await startSmtpSink();
    mailer = createSmtpMailer({ url: sink.url, from: MAIL_FROM });
    rig = {
      test,
      sink,
      consumer: createMailConsumer(),
      sender: createMailSender({ db: test.handle, mailer, log: silentLog }),
    };
  });
  afterAll(async () => {
    await mailer?.close();
    await rig?.sink.close();
    await rig?.test.drop();
  });
  const get = (): MailConsumerRig => {
    if (!rig) throw new Error('the rig starts in beforeAll');
    return rig;
  };

  /** Delivers the job to the consumer (which queues its mails), then sends what is due. */
  async function deliver(job: DeliveryJob): Promise<string> {
    const { test, consumer, sender } = get();
    const outcome = await deliverEvent(test.handle.db, consumer, job);
    await sender.sendDue();
    return outcome;
  }

  function person(name = 'Ada Lovelace', local = 'ada'): Person {
    return {
      userId: randomUUID(),
      email: `${local}+${randomUUID().slice(0, 8)}@example.com`,
      name,
    };
  }

  /** A code row as the auth service writes it, its plaintext waiting for the mail. */
  async function storeCode(
    otpId: string,
    code: string | null,
    expires = new Date(CODE_EXPIRES_AT),
  ): Promise<void> {
    await get()
      .test.handle.db.insertInto('otp_codes')
      .values({
        id: otpId,
        email_key: randomUUID(),
        user_id: null,
        purpose: 'verify',
        code_hash: 'not checked here',
        mail_code: code,
        expires_at: expires,
        created_at: new Date(),
      })
      .execute();
  }

  /**
   * Commits the event to the outbox as a producer does and builds the job the relay enqueues;
   * a one-time code's row first, when given its code.
   */
  async function publish(event: MailEvent, code?: string): Promise<DeliveryJob> {
    const { db } = get().test.handle;
    if (code !== undefined && 'otpId' in event.payload) await storeCode(event.payload.otpId, code);
    const { id } = await appendEvent(db, event);
    const row = await db
      .selectFrom('outbox')
      .select(['id', 'topic', 'version', 'payload', 'occurred_at'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    return toDeliveryJob(row);
  }

  // mailer.send resolves once the sink has accepted (and parsed) the mail, so after an awaited
  // delivery and send this list is complete: no polling needed to count.
  function mailsTo(address: string): ReceivedMail[] {
    return get().sink.messages.filter((mail) => mail.envelopeTo.includes(address));
  }

  /** The consumers that recorded the event as processed. */
  async function processed(eventId: string): Promise<string[]> {
    const rows = await get()
      .test.handle.db.selectFrom('processed_events')
      .select('consumer')
      .where('event_id', '=', eventId)
      .execute();
    return rows.map((row) => row.consumer);
  }

  return { rig: get, deliver, person, storeCode, publish, mailsTo, processed };
}

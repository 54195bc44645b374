import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhook, WebhookVerificationError } from './index.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** A delivery as Evently sends it: the body, and the Standard Webhooks headers signing it. */
function signed(body: string, secrets: string[], at = new Date()) {
  const id = randomUUID();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1_000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  };
}

const test = {
  id: randomUUID(),
  type: 'webhook.test',
  timestamp: '2026-12-06T12:00:00.000Z',
  data: { webhookId: randomUUID(), organizationId: randomUUID(), message: 'hello' },
};

describe('verifyWebhook', () => {
  it('answers the typed event of a body signed with the secret, from a record or Headers', () => {
    const key = secret();
    const body = JSON.stringify(test);
    const headers = signed(body, [key]);
    const event = verifyWebhook(body, headers, key);
    expect(event).toEqual(test);
    if (event.type !== 'webhook.test') throw new Error('narrowed by type');
    expect(event.data.message).toBe('hello');
    expect(verifyWebhook(new TextEncoder().encode(body), new Headers(headers), key)).toEqual(test);
    // Any case, as Node's IncomingMessage lower-cases and other frameworks do not.
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(body, upper, key).id).toBe(test.id);
  });

  it('takes either signature during a rotation', () => {
    const [old, next] = [secret(), secret()];
    const body = JSON.stringify(test);
    const headers = signed(body, [next, old]);
    expect(verifyWebhook(body, headers, old).id).toBe(test.id);
    expect(verifyWebhook(body, headers, next).id).toBe(test.id);
  });

  it('refuses another secret, a changed body, a stale timestamp and missing headers', () => {
    const key = secret();
    const body = JSON.stringify(test);
    const headers = signed(body, [key]);
    const refusal = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(WebhookVerificationError);
        return (error as WebhookVerificationError).reason;
      }
      throw new Error('verified');
    };
    expect(refusal(() => verifyWebhook(body, headers, secret()))).toBe('signature');
    expect(refusal(() => verifyWebhook(`${body} `, headers, key))).toBe('signature');
    const stale = signed(body, [key], new Date(Date.now() - 10 * 60_000));
    expect(refusal(() => verifyWebhook(body, stale, key))).toBe('signature');
    expect(refusal(() => verifyWebhook(body, {}, key))).toBe('signature');
  });

  it('refuses a signed body that is no Evently event', () => {
    const key = secret();
    const body = JSON.stringify({ ...test, type: 'booking.teleported' });
    const error = (() => {
      try {
        verifyWebhook(body, signed(body, [key]), key);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as WebhookVerificationError).reason).toBe('payload');
  });
});

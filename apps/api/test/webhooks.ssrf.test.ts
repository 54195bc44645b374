import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAppCode } from './app-error.js';
import { eventInput } from './event-input.js';
import { type SignedUp, startTestApp, type TestApp } from './harness.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { eventually } from './webhooks.fixtures.js';

// Without WEBHOOK_ALLOW_PRIVATE_NETWORKS: no webhook reaches loopback, private, link-local or
// metadata addresses — refused at creation (WEBHOOK_URL_REFUSED), and refused again at every
// attempt, where the host is resolved anew (a row that names such a host gets nothing sent).
describe('webhooks and private networks', () => {
  let app: TestApp;
  let receiver: WebhookReceiver;
  let owner: SignedUp;
  let organizationId: string;

  beforeAll(async () => {
    app = await startTestApp({
      webhooks: { allowPrivateNetworks: false, sender: { pollIntervalMs: 200 } },
    });
    receiver = await startWebhookReceiver();
    owner = await app.signUp({ role: 'organizer' });
    organizationId = (await owner.client.events.create.mutate(eventInput())).organizationId;
  });
  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const port = () => new URL(receiver.url).port;

  it('refuses loopback, private, link-local, CGNAT and metadata URLs at creation and update', async () => {
    const refused = [
      receiver.url,
      `http://localhost:${port()}/hooks`,
      'http://10.1.2.3/hooks',
      'http://172.16.5.4/hooks',
      'http://192.168.1.20/hooks',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.7/hooks',
      `http://[::1]:${port()}/hooks`,
      'http://[::ffff:127.0.0.1]/hooks',
      'https://[fd00:ec2::254]/latest',
      'http://[fe80::1]/hooks',
      'http://0.0.0.0/hooks',
    ];
    for (const url of refused) {
      const error = await expectAppCode(
        owner.client.webhooks.create.mutate({ organizationId, url, topics: ['event.published'] }),
        'WEBHOOK_URL_REFUSED',
      );
      expect(error.httpStatus, url).toBe(422);
    }
    // A public address is taken (nothing is sent to it here); changing it to a private one is not.
    const { webhook } = await owner.client.webhooks.create.mutate({
      organizationId,
      url: 'https://8.8.8.8/hooks',
      topics: ['event.published'],
    });
    await expectAppCode(
      owner.client.webhooks.update.mutate({ id: webhook.id, url: 'http://127.0.0.1/hooks' }),
      'WEBHOOK_URL_REFUSED',
    );
    await owner.client.webhooks.delete.mutate({ id: webhook.id });
  });

  it('refuses them at every attempt too: nothing reaches the receiver', async () => {
    // Rows written past the creation check (as a host that resolved publicly then would be).
    const urls = [
      receiver.url,
      `http://localhost:${port()}/hooks`,
      `http://[::1]:${port()}/x`,
      'http://10.1.2.3/hooks',
      'http://169.254.169.254/latest/meta-data/',
    ];
    const ids = urls.map(() => randomUUID());
    const at = new Date();
    await app.db.handle.db
      .insertInto('webhooks')
      .values(
        urls.map((url, i) => ({
          id: ids[i] ?? randomUUID(),
          organization_id: organizationId,
          url,
          topics: ['event.published'],
          secret: `whsec_${Buffer.from(randomUUID()).toString('base64')}`,
          status: 'active' as const,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
    const draft = await owner.client.events.create.mutate(eventInput({ organizationId }));
    await owner.client.events.publish.mutate({ id: draft.id });
    for (const webhookId of ids) {
      const page = await eventually(
        () => owner.client.webhooks.deliveries.query({ webhookId }),
        (p) => (p.items[0]?.attempts ?? 0) >= 1 && p.items[0]?.lastError !== null,
      );
      expect(page.items[0]?.lastError).toMatch(
        /^it resolves to \S+, a (loopback|private|cloud metadata) address$/,
      );
      expect(page.items[0]?.lastStatusCode).toBeNull();
    }
    expect(receiver.received).toEqual([]);
  });
});

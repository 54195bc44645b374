import type { EventlyClient } from '@evently/sdk';

/**
 * The access matrix's inputs for `webhooks.*` (owners and admins), each one that succeeds when
 * the caller is allowed: changes get a webhook of their own. Its URL is the discard port on
 * loopback (the test app allows private networks): deliveries to it fail, harmlessly.
 */
export function webhookTargets(
  owner: () => { client: EventlyClient; organizationId: string },
): Record<string, () => Promise<unknown>> {
  const newWebhook = async () => {
    const { client, organizationId } = owner();
    const { webhook } = await client.webhooks.create.mutate({
      organizationId,
      url: 'http://127.0.0.1:9/matrix',
      topics: ['event.published'],
    });
    return webhook.id;
  };
  let shared: string | undefined;
  const sharedWebhook = async () => {
    shared ??= await newWebhook();
    return shared;
  };
  return {
    'webhooks.create': async () => ({
      organizationId: owner().organizationId,
      url: 'http://127.0.0.1:9/matrix',
      topics: ['booking.confirmed'],
    }),
    'webhooks.list': async () => ({ organizationId: owner().organizationId }),
    'webhooks.update': async () => ({ id: await newWebhook(), description: 'Matrix' }),
    'webhooks.delete': async () => ({ id: await newWebhook() }),
    'webhooks.rotateSecret': async () => ({ id: await newWebhook() }),
    'webhooks.test': async () => ({ id: await newWebhook() }),
    'webhooks.deliveries': async () => ({ webhookId: await sharedWebhook() }),
    'webhooks.replay': async () => ({ webhookId: await sharedWebhook() }),
  };
}

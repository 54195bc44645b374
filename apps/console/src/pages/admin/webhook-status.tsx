import type { RouterOutputs } from '@evently/sdk';
import { Tag, when } from '../../components/ui.js';

export type WebhookView = RouterOutputs['webhooks']['list'][number];
export type Delivery = RouterOutputs['webhooks']['deliveries']['items'][number];

/** A webhook's state in words: active, failing since when, disabled (by whom it can tell). */
export function WebhookStatus({ webhook }: { webhook: WebhookView }) {
  if (webhook.status === 'disabled') {
    return (
      <>
        <Tag tone="bad">disabled</Tag>
        {webhook.disabledAt && <div className="hint">since {when(webhook.disabledAt)}</div>}
      </>
    );
  }
  if (webhook.failingSince) {
    return (
      <>
        <Tag tone="warn">failing</Tag>
        <div className="hint">since {when(webhook.failingSince)}</div>
      </>
    );
  }
  return <Tag tone="ok">active</Tag>;
}

/** A delivery's state in words. */
export function DeliveryStatus({ delivery }: { delivery: Delivery }) {
  if (delivery.status === 'delivered') return <Tag tone="ok">delivered</Tag>;
  if (delivery.status === 'failed') return <Tag tone="bad">failed</Tag>;
  return (
    <Tag tone={delivery.attempts > 0 ? 'warn' : 'info'}>
      {delivery.attempts > 0 ? 'retrying' : 'pending'}
    </Tag>
  );
}

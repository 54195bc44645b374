import type { DomainEventPayload } from '@evently/contracts';
import { formatUtc } from '../format-instant.js';
import { html } from '../html.js';
import { greeting, layout } from '../layout.js';
import type { RenderedMail } from '../mail-template.js';

export const WEBHOOK_DISABLED_SUBJECT = 'Your Evently webhook was disabled';

/**
 * `webhook.disabled`: every delivery to it failed for 5 days, so Evently stopped sending; each
 * owner of its organization is told, with what to do (the URL and the organization's name are
 * the owners' own text: escaped in the HTML).
 */
export function webhookDisabledMail(payload: DomainEventPayload<'webhook.disabled'>): RenderedMail {
  const since = formatUtc(payload.failingSince);
  const lines = [
    `A webhook of ${payload.organizationName} has failed every delivery since ${since}, so Evently disabled it.`,
    `URL: ${payload.url}`,
    'Its undelivered events are kept as failed deliveries. Once the receiver answers again, enable the webhook (webhooks.update with enabled: true) and replay them (webhooks.replay).',
  ];
  return layout({
    subject: WEBHOOK_DISABLED_SUBJECT,
    to: payload.email,
    heading: 'A webhook was disabled',
    text: [greeting(payload.name), ...lines].join('\n\n'),
    html: html`<p>${greeting(payload.name)}</p>
${lines.map((line) => html`<p>${line}</p>`)}`,
  });
}

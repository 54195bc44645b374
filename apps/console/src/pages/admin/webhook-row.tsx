import type { WebhookWithSecret } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { Refusal } from './access.js';
import { WebhookStatus, type WebhookView } from './webhook-status.js';

/** One webhook and what an owner does with it: test, enable or disable, rotate, delete. */
export function WebhookRow(props: {
  webhook: WebhookView;
  onSecret: (rotated: WebhookWithSecret) => void;
  onNotice: (text: string) => void;
}) {
  const { webhook } = props;
  const queries = useQueryClient();
  const refresh = () => queries.invalidateQueries(trpc.webhooks.list.pathFilter());
  const test = useMutation(
    trpc.webhooks.test.mutationOptions({
      onSuccess: () =>
        props.onNotice(
          `A test delivery to ${webhook.url} is queued: its deliveries show how it went.`,
        ),
    }),
  );
  const update = useMutation(
    trpc.webhooks.update.mutationOptions({
      onSuccess: async (changed) => {
        props.onNotice(
          changed.status === 'active'
            ? `${changed.url} is enabled again.`
            : `${changed.url} is disabled: nothing is delivered to it until it is enabled.`,
        );
        await refresh();
      },
    }),
  );
  const rotate = useMutation(
    trpc.webhooks.rotateSecret.mutationOptions({
      onSuccess: async (rotated) => {
        props.onSecret(rotated);
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: async (deleted) => {
        props.onNotice(`The webhook to ${deleted.url} is deleted.`);
        await refresh();
      },
    }),
  );
  const error = test.error ?? update.error ?? rotate.error ?? remove.error;
  const active = webhook.status === 'active';
  const subject = webhook.description ?? webhook.url;

  return (
    <tr>
      <th scope="row">
        <span className="break">{webhook.url}</span>
        {webhook.description && <div className="hint">{webhook.description}</div>}
      </th>
      <td>
        <ul className="plain-list">
          {webhook.topics.map((topic) => (
            <li key={topic}>
              <code>{topic}</code>
            </li>
          ))}
        </ul>
      </td>
      <td>
        <WebhookStatus webhook={webhook} />
      </td>
      <td>
        <div className="row-actions">
          <Link className="button" to={`/webhooks/${webhook.id}`}>
            Deliveries<span className="visually-hidden"> of {subject}</span>
          </Link>
          <button
            type="button"
            disabled={!active || test.isPending}
            title={active ? undefined : 'Enable the webhook to send a test'}
            onClick={() => test.mutate({ id: webhook.id })}
          >
            Send test<span className="visually-hidden"> to {subject}</span>
          </button>
          <button
            type="button"
            disabled={update.isPending}
            onClick={() => update.mutate({ id: webhook.id, enabled: !active })}
          >
            {active ? 'Disable' : 'Enable'}
            <span className="visually-hidden"> {subject}</span>
          </button>
          <ConfirmButton
            danger
            label="Rotate secret"
            subject={`of ${subject}`}
            question="Make a new signing secret? The old one keeps signing beside it for 24 hours."
            confirmLabel="Yes, rotate"
            disabled={rotate.isPending}
            onConfirm={() => rotate.mutate({ id: webhook.id })}
          />
          <ConfirmButton
            danger
            label="Delete"
            subject={subject}
            question={`Delete the webhook to ${webhook.url}? Its deliveries stop for good.`}
            confirmLabel="Yes, delete"
            disabled={remove.isPending}
            onConfirm={() => remove.mutate({ id: webhook.id })}
          />
        </div>
        <Refusal error={error} what="manage webhooks" />
      </td>
    </tr>
  );
}

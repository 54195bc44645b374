import type { WebhookWithSecret } from '@evently/sdk';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../api.js';
import { Loading, Page } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { isForbidden, NoOrganization, OwnersOnly, Refusal } from './access.js';
import { SecretOnce } from './secret-once.js';
import { WebhookForm } from './webhook-form.js';
import { WebhookRow } from './webhook-row.js';

const WHAT = 'manage webhooks';

/** The organization's webhooks: created, tested, enabled or disabled, rotated, deleted. */
export function WebhooksPage() {
  const { organization } = useSession();
  return (
    <Page title="Webhooks">
      {organization ? (
        <Webhooks
          key={organization.organization.id}
          organizationId={organization.organization.id}
        />
      ) : (
        <NoOrganization />
      )}
    </Page>
  );
}

function Webhooks({ organizationId }: { organizationId: string }) {
  const [secret, setSecret] = useState<WebhookWithSecret | undefined>(undefined);
  const [notice, setNotice] = useState('');
  const webhooks = useQuery(trpc.webhooks.list.queryOptions({ organizationId }));

  if (webhooks.isPending) return <Loading what="webhooks" />;
  if (webhooks.isError) {
    return isForbidden(webhooks.error) ? (
      <OwnersOnly what={WHAT} />
    ) : (
      <Refusal error={webhooks.error} what={WHAT} />
    );
  }
  return (
    <>
      {secret && (
        <SecretOnce
          title="Signing secret"
          label={`Signing secret of ${secret.webhook.url}`}
          secret={secret.secret}
          advice="Your receiver checks each delivery’s signature with it (Standard Webhooks; the SDK’s verifyWebhook does it)."
          onDone={() => setSecret(undefined)}
        />
      )}
      <p className="admin-notice" role="status" aria-live="polite">
        {notice}
      </p>
      {webhooks.data.length === 0 ? (
        <p>No webhooks yet: add one below to hear of events and bookings as they happen.</p>
      ) : (
        <table>
          <caption>Webhooks of this organization</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Topics</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.data.map((webhook) => (
              <WebhookRow
                key={webhook.id}
                webhook={webhook}
                onSecret={(rotated) => {
                  setNotice('');
                  setSecret(rotated);
                }}
                onNotice={setNotice}
              />
            ))}
          </tbody>
        </table>
      )}
      <WebhookForm
        organizationId={organizationId}
        onCreated={(made) => {
          setNotice('');
          setSecret(made);
        }}
      />
    </>
  );
}

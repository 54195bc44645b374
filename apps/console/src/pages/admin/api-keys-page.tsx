import type { RouterOutputs } from '@evently/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { Loading, Page, Tag, when } from '../../components/ui.js';
import { useSession } from '../../session.js';
import { isForbidden, NoOrganization, OwnersOnly, Refusal } from './access.js';
import { ApiKeyForm, type ApiKeyWithSecret } from './api-key-form.js';
import { SecretOnce } from './secret-once.js';

type ApiKey = RouterOutputs['apiKeys']['list'][number];
const WHAT = 'manage API keys';

/** The organization's API keys: made with scopes and an optional expiry, revoked. */
export function ApiKeysPage() {
  const { organization } = useSession();
  return (
    <Page title="API keys">
      {organization ? (
        <ApiKeys key={organization.organization.id} organizationId={organization.organization.id} />
      ) : (
        <NoOrganization />
      )}
    </Page>
  );
}

function ApiKeys({ organizationId }: { organizationId: string }) {
  const [made, setMade] = useState<ApiKeyWithSecret | undefined>(undefined);
  const keys = useQuery(trpc.apiKeys.list.queryOptions({ organizationId }));
  if (keys.isPending) return <Loading what="API keys" />;
  if (keys.isError) {
    return isForbidden(keys.error) ? (
      <OwnersOnly what={WHAT} />
    ) : (
      <Refusal error={keys.error} what={WHAT} />
    );
  }
  return (
    <>
      {made && (
        <SecretOnce
          title={`API key “${made.apiKey.name}” created`}
          label={`Secret of the API key ${made.apiKey.name}`}
          secret={made.secret}
          advice="Put it where the program that uses it keeps secrets; it is sent as “Authorization: Bearer …”."
          onDone={() => setMade(undefined)}
        />
      )}
      {keys.data.length === 0 ? (
        <p>No API keys yet: make one below for a script or another system.</p>
      ) : (
        <table>
          <caption>API keys of this organization</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.map((key) => (
              <ApiKeyRow key={key.id} apiKey={key} />
            ))}
          </tbody>
        </table>
      )}
      <ApiKeyForm organizationId={organizationId} onCreated={setMade} />
    </>
  );
}

function KeyStatus({ apiKey }: { apiKey: ApiKey }) {
  if (apiKey.revokedAt) {
    return (
      <>
        <Tag tone="bad">revoked</Tag>
        <div className="hint">{when(apiKey.revokedAt)}</div>
      </>
    );
  }
  if (apiKey.expiresAt && new Date(apiKey.expiresAt).getTime() <= Date.now()) {
    return <Tag tone="warn">expired</Tag>;
  }
  return <Tag tone="ok">active</Tag>;
}

function ApiKeyRow({ apiKey }: { apiKey: ApiKey }) {
  const queries = useQueryClient();
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: () => queries.invalidateQueries(trpc.apiKeys.list.pathFilter()),
    }),
  );
  return (
    <tr>
      <th scope="row">{apiKey.name}</th>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>
        <ul className="plain-list">
          {apiKey.scopes.map((scope) => (
            <li key={scope}>
              <code>{scope}</code>
            </li>
          ))}
        </ul>
      </td>
      <td>{apiKey.lastUsedAt ? when(apiKey.lastUsedAt) : 'never'}</td>
      <td>{apiKey.expiresAt ? when(apiKey.expiresAt) : 'never'}</td>
      <td>
        <KeyStatus apiKey={apiKey} />
      </td>
      <td>
        {!apiKey.revokedAt && (
          <ConfirmButton
            danger
            label="Revoke"
            subject={apiKey.name}
            question={`Revoke “${apiKey.name}”? Whatever uses it is refused from now on; this cannot be undone.`}
            confirmLabel="Yes, revoke"
            disabled={revoke.isPending}
            onConfirm={() => revoke.mutate({ id: apiKey.id })}
          />
        )}
        <Refusal error={revoke.error} what="revoke API keys" />
      </td>
    </tr>
  );
}

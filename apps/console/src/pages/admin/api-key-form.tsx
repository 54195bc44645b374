import type { RouterOutputs } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { InputField } from '../../components/ui.js';
import { Refusal } from './access.js';
import { CheckboxGroup } from './checkbox-group.js';
import { type ApiKeyScope, scopeOptions } from './scopes.js';

export type ApiKeyWithSecret = RouterOutputs['apiKeys']['create'];

/** A date input's value (`YYYY-MM-DD`) of the day after today, in local time. */
function tomorrow(): string {
  const day = new Date(Date.now() + 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** A new API key: a name, its scopes, an optional last day; the answer carries its secret once. */
export function ApiKeyForm(props: {
  organizationId: string;
  onCreated: (made: ApiKeyWithSecret) => void;
}) {
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>([]);
  const [expiresOn, setExpiresOn] = useState('');
  const [noScope, setNoScope] = useState(false);
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (made) => {
        setName('');
        setScopes([]);
        setExpiresOn('');
        props.onCreated(made);
        await queries.invalidateQueries(trpc.apiKeys.list.pathFilter());
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setNoScope(scopes.length === 0);
    if (scopes.length === 0) return;
    create.mutate({
      organizationId: props.organizationId,
      name: name.trim(),
      scopes,
      // The end of the chosen day, where the person is.
      ...(expiresOn && { expiresAt: new Date(`${expiresOn}T23:59:59`).toISOString() }),
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="api-key-form-title">
      <h2 id="api-key-form-title">New API key</h2>
      <div className="form-grid">
        <InputField
          label="Name"
          hint="What uses it, e.g. “Nightly CSV export”."
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <InputField
          label="Expires (optional)"
          hint="It stops working after that day. Empty: never."
          type="date"
          min={tomorrow()}
          value={expiresOn}
          onChange={(e) => setExpiresOn(e.target.value)}
        />
      </div>
      <CheckboxGroup
        legend="Scopes"
        hint="What the key may do for this organization: choose at least one, and no more than it needs."
        options={scopeOptions}
        value={scopes}
        onChange={(value) => {
          setScopes(value);
          if (value.length > 0) setNoScope(false);
        }}
      />
      {noScope && (
        <p className="note note-error" role="alert">
          Choose at least one scope.
        </p>
      )}
      <Refusal error={create.error} what="make API keys" />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create API key'}
      </button>
    </form>
  );
}

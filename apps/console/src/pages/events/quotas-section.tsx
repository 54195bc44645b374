import { isEventlyError, type Quota, type TicketType } from '@evently/sdk';
import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { ErrorNote, Field, InputField, Loading } from '../../components/ui.js';
import { attempt, FormError, TicketTypeChecklist } from './form-bits.js';
import { requiredWhole } from './form-values.js';
import { useInventoryRefresh } from './use-inventory-refresh.js';

/** Limits ticket types share: each with what is confirmed, held and left; new ones. */
export function QuotasSection(props: { eventId: string; types: TicketType[] }) {
  const quotas = useQuery(trpc.quotas.list.queryOptions({ eventId: props.eventId }));
  const [editing, setEditing] = useState<string | null>(null);
  const names = new Map(props.types.map((t) => [t.id, t.name]));
  const editQuota = quotas.data?.find((q) => q.id === editing);
  return (
    <section aria-labelledby="quotas-heading">
      <h2 id="quotas-heading">Quotas</h2>
      <p className="hint">
        A quota caps how many seats its ticket types sell together (e.g. 50 seats shared by Standard
        and Student).
      </p>
      <ErrorNote error={quotas.error} />
      {quotas.isPending && <Loading what="quotas" />}
      {quotas.data && quotas.data.length === 0 && <p>No quotas yet.</p>}
      {quotas.data && quotas.data.length > 0 && (
        <table>
          <caption className="visually-hidden">Quotas</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Ticket types</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col" className="num">
                Confirmed
              </th>
              <th scope="col" className="num">
                Held
              </th>
              <th scope="col" className="num">
                Available
              </th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {quotas.data.map((quota) => (
              <QuotaRow
                key={quota.id}
                quota={quota}
                typeNames={quota.ticketTypeIds.map((id) => names.get(id) ?? 'unknown type')}
                editing={editing === quota.id}
                onEdit={() => setEditing(editing === quota.id ? null : quota.id)}
              />
            ))}
          </tbody>
        </table>
      )}
      {editQuota && (
        <EditQuotaForm
          key={`${editQuota.id}:${editQuota.version}`}
          quota={editQuota}
          types={props.types}
          onDone={() => setEditing(null)}
        />
      )}
      <NewQuotaForm eventId={props.eventId} types={props.types} />
    </section>
  );
}

function QuotaRow(props: {
  quota: Quota;
  typeNames: string[];
  editing: boolean;
  onEdit: () => void;
}) {
  const { quota } = props;
  const refresh = useInventoryRefresh(quota.eventId);
  const remove = useMutation(trpc.quotas.delete.mutationOptions({ onSuccess: refresh }));
  return (
    <tr>
      <th scope="row">{quota.name}</th>
      <td>{props.typeNames.length > 0 ? props.typeNames.join(', ') : 'none'}</td>
      <td className="num">{quota.size}</td>
      <td className="num">{quota.confirmed}</td>
      <td className="num">{quota.held}</td>
      <td className="num">{quota.available}</td>
      <td>
        <div className="events-row-actions">
          <button type="button" aria-expanded={props.editing} onClick={props.onEdit}>
            Edit {quota.name}
          </button>
          <ConfirmButton
            label={`Delete ${quota.name}`}
            question={`Delete the quota ${quota.name}? Its types are no longer capped by it.`}
            confirmLabel="Yes, delete"
            danger
            pending={remove.isPending}
            onConfirm={() => remove.mutate({ id: quota.id })}
          />
        </div>
        <ErrorNote error={remove.error} />
      </td>
    </tr>
  );
}

function NewQuotaForm(props: { eventId: string; types: TicketType[] }) {
  const refresh = useInventoryRefresh(props.eventId);
  const [name, setName] = useState('');
  const [size, setSize] = useState('');
  const [typeIds, setTypeIds] = useState<string[]>([]);
  const [problem, setProblem] = useState<unknown>(null);
  const create = useMutation(
    trpc.quotas.create.mutationOptions({
      onSuccess: async () => {
        setName('');
        setSize('');
        setTypeIds([]);
        await refresh();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const sizeValue = attempt(() => requiredWhole(size, 'Size'), setProblem);
    if (sizeValue !== undefined) {
      create.mutate({ eventId: props.eventId, name, size: sizeValue, ticketTypeIds: typeIds });
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="new-quota-heading">
      <h3 id="new-quota-heading">New quota</h3>
      <div className="form-grid">
        <Field label="Quota name">
          {({ id }) => (
            <input
              id={id}
              required
              maxLength={120}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <InputField
          label="Size"
          hint="Seats its types sell together."
          type="number"
          min={0}
          required
          value={size}
          onChange={(e) => setSize(e.target.value)}
        />
      </div>
      <TicketTypeChecklist
        legend="Ticket types it caps"
        types={props.types.filter((t) => t.status === 'active')}
        chosen={typeIds}
        onChange={setTypeIds}
      />
      <FormError error={problem ?? create.error} />
      <button type="submit" className="primary" disabled={create.isPending}>
        Add quota
      </button>
    </form>
  );
}

function EditQuotaForm(props: { quota: Quota; types: TicketType[]; onDone: () => void }) {
  const { quota } = props;
  const refresh = useInventoryRefresh(quota.eventId);
  const [name, setName] = useState(quota.name);
  const [size, setSize] = useState(String(quota.size));
  const [typeIds, setTypeIds] = useState<string[]>(quota.ticketTypeIds);
  const [problem, setProblem] = useState<unknown>(null);
  const update = useMutation(
    trpc.quotas.update.mutationOptions({
      onSuccess: async () => {
        await refresh();
        props.onDone();
      },
    }),
  );
  const conflict = isEventlyError(update.error) && update.error.appCode === 'VERSION_CONFLICT';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const sizeValue = attempt(() => requiredWhole(size, 'Size'), setProblem);
    if (sizeValue === undefined) return;
    const sameTypes =
      typeIds.length === quota.ticketTypeIds.length &&
      typeIds.every((id) => quota.ticketTypeIds.includes(id));
    update.mutate({
      id: quota.id,
      expectedVersion: quota.version,
      ...(name !== quota.name && { name }),
      size: sizeValue,
      ...(!sameTypes && { ticketTypeIds: typeIds }),
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="edit-quota-heading">
      <h3 id="edit-quota-heading">Edit quota {quota.name}</h3>
      <div className="form-grid">
        <Field label="Quota name">
          {({ id }) => (
            <input
              id={id}
              required
              maxLength={120}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label="Size" hint={`Not below the ${quota.confirmed + quota.held} sold or held.`}>
          {({ id, describedBy }) => (
            <input
              id={id}
              type="number"
              min={0}
              required
              aria-describedby={describedBy}
              value={size}
              onChange={(e) => setSize(e.target.value)}
            />
          )}
        </Field>
      </div>
      <TicketTypeChecklist
        legend="Ticket types it caps"
        types={props.types}
        chosen={typeIds}
        onChange={setTypeIds}
      />
      {conflict ? (
        <div className="note note-error" role="alert">
          <p>{quota.name} changed meanwhile (a booking moves it too); your change was not saved.</p>
          <button type="button" onClick={() => void refresh()}>
            Load the latest figures
          </button>
        </div>
      ) : (
        <FormError error={problem ?? update.error} />
      )}
      <div className="events-action-row">
        <button type="submit" className="primary" disabled={update.isPending}>
          Save quota
        </button>
        <button type="button" onClick={props.onDone}>
          Close without saving
        </button>
      </div>
    </form>
  );
}

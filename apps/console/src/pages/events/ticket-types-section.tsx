import { isEventlyError, type TicketType } from '@evently/sdk';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { ErrorNote, money, Tag } from '../../components/ui.js';
import { attempt, FormError, yesNo } from './form-bits.js';
import { FormProblem } from './form-values.js';
import {
  capacityOf,
  emptyTicketTypeForm,
  TicketTypeFormFields,
  type TicketTypeFormValues,
  ticketTypeFieldsOf,
  ticketTypeFormOf,
  ticketTypePatchOf,
} from './ticket-type-form.js';
import { useInventoryRefresh } from './use-inventory-refresh.js';

/** The event's ticket types with their availability, and a form for a new one. */
export function TicketTypesSection(props: { eventId: string; types: TicketType[] }) {
  const [editing, setEditing] = useState<string | null>(null);
  const editType = props.types.find((t) => t.id === editing);
  return (
    <section aria-labelledby="ticket-types-heading">
      <h2 id="ticket-types-heading">Ticket types</h2>
      {props.types.length === 0 ? (
        <p>No ticket types yet: add one below.</p>
      ) : (
        <table>
          <caption className="visually-hidden">Ticket types</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col">Per booking</th>
              <th scope="col">Hidden</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Available now
              </th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {props.types.map((type) => (
              <TicketTypeRow
                key={type.id}
                type={type}
                onEdit={() => setEditing(editing === type.id ? null : type.id)}
                editing={editing === type.id}
              />
            ))}
          </tbody>
        </table>
      )}
      {editType && (
        <EditTicketTypeForm
          key={`${editType.id}:${editType.version}`}
          type={editType}
          onDone={() => setEditing(null)}
        />
      )}
      <NewTicketTypeForm eventId={props.eventId} />
    </section>
  );
}

function TicketTypeRow(props: { type: TicketType; editing: boolean; onEdit: () => void }) {
  const { type } = props;
  const refresh = useInventoryRefresh(type.eventId);
  const archive = useMutation(trpc.ticketTypes.archive.mutationOptions({ onSuccess: refresh }));
  const active = type.status === 'active';
  return (
    <tr>
      <th scope="row">{type.name}</th>
      <td className="num">{money(type.priceCents, type.currency)}</td>
      <td>
        {type.minPerBooking}–{type.maxPerBooking}
      </td>
      <td>{yesNo(type.hidden)}</td>
      <td>
        <Tag tone={active ? 'ok' : 'info'}>{type.status}</Tag>
      </td>
      <td className="num">
        {type.availability.available}
        {type.availability.soldOut && ' (sold out)'}
      </td>
      <td>
        {active && (
          <div className="events-row-actions">
            <button type="button" aria-expanded={props.editing} onClick={props.onEdit}>
              Edit {type.name}
            </button>
            <ConfirmButton
              label={`Archive ${type.name}`}
              question={`Archive ${type.name}? It is no longer sold; its bookings stay.`}
              confirmLabel="Yes, archive"
              danger
              pending={archive.isPending}
              onConfirm={() => archive.mutate({ id: type.id })}
            />
          </div>
        )}
        <ErrorNote error={archive.error} />
      </td>
    </tr>
  );
}

function NewTicketTypeForm({ eventId }: { eventId: string }) {
  const refresh = useInventoryRefresh(eventId);
  const [values, setValues] = useState<TicketTypeFormValues>(emptyTicketTypeForm);
  const [problem, setProblem] = useState<unknown>(null);
  const create = useMutation(
    trpc.ticketTypes.create.mutationOptions({
      onSuccess: async () => {
        setValues(emptyTicketTypeForm());
        await refresh();
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input = attempt(
      () => ({ ...ticketTypeFieldsOf(values), capacity: capacityOf(values) }),
      setProblem,
    );
    if (input) create.mutate({ eventId, ...input });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="new-type-heading">
      <h3 id="new-type-heading">New ticket type</h3>
      <TicketTypeFormFields values={values} onChange={setValues} withCapacity />
      <FormError error={problem ?? create.error} />
      <button type="submit" className="primary" disabled={create.isPending}>
        Add ticket type
      </button>
    </form>
  );
}

function EditTicketTypeForm(props: { type: TicketType; onDone: () => void }) {
  const { type } = props;
  const refresh = useInventoryRefresh(type.eventId);
  const [values, setValues] = useState<TicketTypeFormValues>(() => ticketTypeFormOf(type));
  const [problem, setProblem] = useState<unknown>(null);
  const update = useMutation(
    trpc.ticketTypes.update.mutationOptions({
      onSuccess: async () => {
        await refresh();
        props.onDone();
      },
    }),
  );
  const conflict = isEventlyError(update.error) && update.error.appCode === 'VERSION_CONFLICT';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const patch = attempt(() => {
      const changed = ticketTypePatchOf(type, ticketTypeFieldsOf(values));
      if (Object.keys(changed).length === 0) throw new FormProblem('Nothing changed to save.');
      return changed;
    }, setProblem);
    if (patch) update.mutate({ id: type.id, expectedVersion: type.version, patch });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="edit-type-heading">
      <h3 id="edit-type-heading">Edit {type.name}</h3>
      <TicketTypeFormFields values={values} onChange={setValues} />
      {conflict ? (
        <div className="note note-error" role="alert">
          <p>Someone else changed {type.name} meanwhile; your changes were not saved.</p>
          <button type="button" onClick={() => void refresh()}>
            Load the latest version
          </button>
        </div>
      ) : (
        <FormError error={problem ?? update.error} />
      )}
      <div className="events-action-row">
        <button type="submit" className="primary" disabled={update.isPending}>
          Save {type.name}
        </button>
        <button type="button" onClick={props.onDone}>
          Close without saving
        </button>
      </div>
    </form>
  );
}

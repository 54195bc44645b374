import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { trpc } from '../../api.js';
import { Page } from '../../components/ui.js';
import { useSession } from '../../session.js';
import {
  EventFormFields,
  type EventFormValues,
  emptyEventForm,
  eventFieldsOf,
} from './event-form.js';
import { attempt, FormError } from './form-bits.js';

/** A new event (a draft) of the current organization; then its overview. */
export function EventNewPage() {
  const session = useSession();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [values, setValues] = useState<EventFormValues>(emptyEventForm);
  const [problem, setProblem] = useState<unknown>(null);
  const create = useMutation(
    trpc.events.create.mutationOptions({
      onSuccess: async (event) => {
        await queries.invalidateQueries(trpc.events.list.pathFilter());
        navigate(`/events/${event.id}`);
      },
    }),
  );
  const organization = session.organization?.organization;
  if (!organization) {
    return (
      <Page title="New event">
        <p>
          Events belong to an organization. <Link to="/">Create or choose one</Link> first.
        </p>
      </Page>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const fields = attempt(() => eventFieldsOf(values), setProblem);
    if (fields) create.mutate({ ...fields, organizationId: organization.id });
  };
  return (
    <Page title="New event">
      <p>
        A draft of {organization.name}: only its members see it until you publish it. Ticket types,
        quotas and vouchers come next.
      </p>
      <form onSubmit={submit} aria-label="New event">
        <EventFormFields values={values} onChange={setValues} />
        <FormError error={problem ?? create.error} />
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create draft'}
        </button>
      </form>
    </Page>
  );
}

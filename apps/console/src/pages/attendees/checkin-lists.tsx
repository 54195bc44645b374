import type { RouterOutputs } from '@evently/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { ErrorNote, Field, InputField } from '../../components/ui.js';

type CheckinList = RouterOutputs['checkin']['lists']['list'][number];

/** Which list this door scans for. */
export function ListPicker(props: {
  lists: CheckinList[];
  chosen: string | undefined;
  onChoose: (id: string) => void;
}) {
  return (
    <Field label="Check-in list" hint="Each list counts its own check-ins (a door, a day, a zone).">
      {({ id, describedBy }) => (
        <select
          id={id}
          aria-describedby={describedBy}
          value={props.chosen ?? ''}
          onChange={(e) => props.onChoose(e.target.value)}
        >
          {props.lists.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name} ({l.checkedIn} of {l.total} in)
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A new check-in list: every ticket type, or the ones ticked; re-entry if allowed. */
export function NewListForm(props: { eventId: string; onCreated: (list: CheckinList) => void }) {
  const queries = useQueryClient();
  const types = useQuery(trpc.ticketTypes.list.queryOptions({ eventId: props.eventId }));
  const [name, setName] = useState('');
  const [only, setOnly] = useState<string[]>([]);
  const [allowReentry, setAllowReentry] = useState(false);
  const create = useMutation(
    trpc.checkin.lists.create.mutationOptions({
      onSuccess: async (list) => {
        setName('');
        setOnly([]);
        setAllowReentry(false);
        await queries.invalidateQueries(
          trpc.checkin.lists.list.queryFilter({ eventId: list.eventId }),
        );
        props.onCreated(list);
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({
      eventId: props.eventId,
      name: name.trim(),
      allowReentry,
      ...(only.length > 0 && { ticketTypeIds: only }),
    });
  };
  const toggle = (id: string, on: boolean) =>
    setOnly((ids) => (on ? [...ids, id] : ids.filter((x) => x !== id)));

  return (
    <form className="new-list" onSubmit={submit}>
      <InputField
        label="List name"
        hint="For example “Main door” or “VIP entrance”."
        required
        maxLength={120}
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      {types.data && types.data.length > 1 && (
        <fieldset className="type-choice">
          <legend>Ticket types it admits</legend>
          <p className="hint">None ticked: every ticket type of the event.</p>
          {types.data.map((t) => (
            <label key={t.id}>
              <input
                type="checkbox"
                checked={only.includes(t.id)}
                onChange={(e) => toggle(t.id, e.target.checked)}
              />{' '}
              {t.name}
            </label>
          ))}
        </fieldset>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={allowReentry}
          onChange={(e) => setAllowReentry(e.target.checked)}
        />{' '}
        Allow re-entry (people may leave and come back in)
      </label>
      <ErrorNote error={create.error} />
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create check-in list'}
      </button>
    </form>
  );
}

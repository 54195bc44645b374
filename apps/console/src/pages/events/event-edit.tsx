import { type Event, isEventlyError } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import {
  EventFormFields,
  type EventFormValues,
  eventFieldsOf,
  eventFormOf,
  eventPatchOf,
} from './event-form.js';
import { attempt, FormError } from './form-bits.js';
import { FormProblem } from './form-values.js';

/**
 * The edit form of a draft or published event: sends only what changed, with the version it
 * was read at. Someone else's change meanwhile (VERSION_CONFLICT) is said so, with a way to
 * load their version; give it `key={event.version}` so a new version refills it.
 */
export function EventEditForm({
  event,
  onSaved,
}: {
  event: Event;
  onSaved: (saved: Event) => void;
}) {
  const queries = useQueryClient();
  const [values, setValues] = useState<EventFormValues>(() => eventFormOf(event));
  const [problem, setProblem] = useState<unknown>(null);
  const update = useMutation(
    trpc.events.update.mutationOptions({
      onSuccess: async (updated) => {
        queries.setQueryData(trpc.events.get.queryKey({ id: updated.id }), updated);
        await queries.invalidateQueries(trpc.events.list.pathFilter());
      },
    }),
  );
  const conflict = isEventlyError(update.error) && update.error.appCode === 'VERSION_CONFLICT';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const patch = attempt(() => {
      const changed = eventPatchOf(event, eventFieldsOf(values));
      if (Object.keys(changed).length === 0) throw new FormProblem('Nothing changed to save.');
      return changed;
    }, setProblem);
    if (patch) {
      update.mutate(
        { id: event.id, expectedVersion: event.version, patch },
        { onSuccess: onSaved },
      );
    }
  };
  const loadTheirs = () => {
    void queries.invalidateQueries(trpc.events.get.queryFilter({ id: event.id }));
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="edit-event-heading">
      <h2 id="edit-event-heading">Edit event</h2>
      {event.status === 'published' && (
        <p className="note">
          This event is on sale: attendees are told of changes to its time or venue.
        </p>
      )}
      <EventFormFields values={values} onChange={setValues} />
      {conflict ? (
        <div className="note note-error" role="alert">
          <p>
            Someone else changed this event while you were editing it, so your changes were not
            saved. Load their version, then make your changes again.
          </p>
          <button type="button" onClick={loadTheirs}>
            Load the latest version
          </button>
        </div>
      ) : (
        <FormError error={problem ?? update.error} />
      )}
      <button type="submit" className="primary" disabled={update.isPending}>
        {update.isPending ? 'Saving…' : 'Save changes'}
      </button>
    </form>
  );
}

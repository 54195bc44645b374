import type { Event } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { ErrorNote, Field } from '../../components/ui.js';

/** What may be done to the event as a whole: publish a draft, cancel it, delete a draft. */
export function EventActions({ event }: { event: Event }) {
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [reason, setReason] = useState('');
  const refresh = async (changed: Event) => {
    queries.setQueryData(trpc.events.get.queryKey({ id: changed.id }), changed);
    await queries.invalidateQueries(trpc.events.list.pathFilter());
    await queries.invalidateQueries(trpc.ticketTypes.list.pathFilter());
  };
  const publish = useMutation(trpc.events.publish.mutationOptions({ onSuccess: refresh }));
  const cancel = useMutation(trpc.events.cancel.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(
    trpc.events.delete.mutationOptions({
      onSuccess: async () => {
        await queries.invalidateQueries(trpc.events.list.pathFilter());
        navigate('/events', { replace: true });
        queries.removeQueries(trpc.events.get.queryFilter({ id: event.id }));
      },
    }),
  );
  const busy = publish.isPending || cancel.isPending || remove.isPending;

  if (event.status !== 'draft' && event.status !== 'published') return null;
  return (
    <section className="events-actions" aria-labelledby="event-actions-heading">
      <h2 id="event-actions-heading">Actions</h2>
      <div className="events-action-row">
        {event.status === 'draft' && (
          <ConfirmButton
            label="Publish"
            question="Publish this event? It goes on sale and everyone can see it."
            confirmLabel="Yes, publish"
            pending={busy}
            onConfirm={() => publish.mutate({ id: event.id })}
          />
        )}
        {event.status === 'published' && (
          <ConfirmButton
            label="Cancel event"
            question="Cancel this event? Its bookings are cancelled and attendees are told why."
            confirmLabel="Yes, cancel the event"
            danger
            pending={busy}
            ready={reason.trim().length > 0}
            onConfirm={() => cancel.mutate({ id: event.id, reason })}
          >
            <Field label="Reason" hint="Attendees read it.">
              {({ id, describedBy }) => (
                <textarea
                  id={id}
                  rows={2}
                  required
                  maxLength={1000}
                  aria-describedby={describedBy}
                  value={reason}
                  onChange={(e) => setReason(e.target.value)}
                />
              )}
            </Field>
          </ConfirmButton>
        )}
        {event.status === 'draft' && (
          <ConfirmButton
            label="Delete draft"
            question="Delete this draft for good? Its ticket types and vouchers go with it."
            confirmLabel="Yes, delete it"
            danger
            pending={busy}
            onConfirm={() => remove.mutate({ id: event.id })}
          />
        )}
      </div>
      <ErrorNote error={publish.error ?? cancel.error ?? remove.error} />
    </section>
  );
}

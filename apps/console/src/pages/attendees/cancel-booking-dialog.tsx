import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { trpc } from '../../api.js';
import { ErrorNote, Field, money } from '../../components/ui.js';
import type { Booking } from './bookings-table.js';
import { itemsText } from './csv.js';
import { shortId } from './labels.js';

/**
 * The confirm step of cancelling a booking: a modal dialog that says what is cancelled and asks
 * why (the reason is recorded with it). Escape or "Keep the booking" closes it unchanged.
 */
export function CancelBookingDialog(props: {
  booking: Booking;
  onClose: () => void;
  onCancelled: (booking: Booking) => void;
}) {
  const { booking, onClose, onCancelled } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const queries = useQueryClient();
  const [reason, setReason] = useState('');
  const cancel = useMutation(
    trpc.bookings.cancel.mutationOptions({
      onSuccess: async (cancelled) => {
        await queries.invalidateQueries(trpc.bookings.listForEvent.pathFilter());
        await queries.invalidateQueries(trpc.checkin.pathFilter());
        onCancelled(cancelled);
      },
    }),
  );

  useEffect(() => {
    const element = dialog.current;
    // Removed from the page when it unmounts, which ends the modal state too.
    if (element && !element.open) element.showModal();
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    cancel.mutate({ bookingId: booking.id, reason: reason.trim() });
  };
  const titleId = `cancel-title-${booking.id}`;
  return (
    <dialog ref={dialog} className="cancel-dialog" aria-labelledby={titleId} onClose={onClose}>
      <form onSubmit={submit}>
        <h2 id={titleId}>Cancel booking {shortId(booking.id)}?</h2>
        <p>
          {itemsText(booking)}, {money(booking.totalCents, booking.currency)}. Its tickets stop
          being valid at the door and its seats go back on sale. This cannot be undone.
        </p>
        <Field label="Reason" hint="Recorded with the cancellation.">
          {({ id, describedBy }) => (
            <textarea
              id={id}
              required
              maxLength={500}
              rows={3}
              aria-describedby={describedBy}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          )}
        </Field>
        <ErrorNote error={cancel.error} />
        <div className="dialog-actions">
          <button type="submit" className="danger" disabled={cancel.isPending}>
            {cancel.isPending ? 'Cancelling…' : 'Confirm cancellation'}
          </button>
          <button type="button" onClick={onClose} disabled={cancel.isPending}>
            Keep the booking
          </button>
        </div>
      </form>
    </dialog>
  );
}

import type { RouterOutputs } from '@evently/sdk';
import { useState } from 'react';
import { ErrorNote, InputField, Loading } from '../../components/ui.js';
import { AttendeeTable, useAttendeeSearch } from './attendee-search.js';
import { useDebounced } from './use-debounced.js';

type CheckinList = RouterOutputs['checkin']['lists']['list'][number];

/** Manual check-in: an attendee found by name, email or ticket id, checked in with a button. */
export function ManualCheckin(props: { list: CheckinList; onCheckIn: (code: string) => void }) {
  const [q, setQ] = useState('');
  const term = useDebounced(q.trim());
  const found = useAttendeeSearch(props.list.id, term);
  return (
    <section className="manual-checkin" aria-labelledby="manual-title">
      <h2 id="manual-title">Find an attendee</h2>
      <InputField
        label="Name, email or ticket id"
        hint="At least 2 characters; the first 20 matches."
        type="search"
        value={q}
        onChange={(e) => setQ(e.target.value)}
      />
      <ErrorNote error={found.error} />
      {found.isFetching && <Loading what="attendees" />}
      {term.length >= 2 && found.data?.length === 0 && (
        <p role="status">No attendee on this list matches “{term}”.</p>
      )}
      {found.data && found.data.length > 0 && (
        <AttendeeTable
          caption={`Attendees matching “${term}”`}
          attendees={found.data}
          action={{
            header: 'Check in',
            render: (a) =>
              a.ticket.status === 'void' ? (
                'Cancelled'
              ) : (
                <button type="button" onClick={() => props.onCheckIn(a.ticket.code)}>
                  Check in <span className="visually-hidden">{a.name}</span>
                </button>
              ),
          }}
        />
      )}
    </section>
  );
}

import { useSearchParams } from 'react-router';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { ErrorNote, Loading, Page } from '../../components/ui.js';
import { ListPicker, NewListForm } from './checkin-lists.js';
import { ScanStation } from './scan-station.js';
import { useCheckinLists } from './use-checkin-lists.js';

/**
 * Check-in at the door: the list scanned for (kept in the address, so a reload stays on it), the
 * scanner, and making a list. Laid out for a phone held at the door.
 */
export function CheckinPage() {
  const eventId = useEventId();
  const lists = useCheckinLists(eventId);
  const [params, setParams] = useSearchParams();
  const choose = (id: string) => setParams({ list: id }, { replace: true });
  const all = lists.data ?? [];
  const chosen = all.find((l) => l.id === params.get('list')) ?? all[0];

  return (
    <>
      <EventTabs />
      <Page title="Check-in">
        <ErrorNote error={lists.error} />
        {lists.isPending && <Loading what="check-in lists" />}
        {all.length > 0 && <ListPicker lists={all} chosen={chosen?.id} onChoose={choose} />}
        {chosen && <ScanStation key={chosen.id} list={chosen} />}
        {lists.isSuccess &&
          (all.length === 0 ? (
            <section aria-labelledby="new-list-title">
              <h2 id="new-list-title">Create a check-in list to start</h2>
              <p>A check-in list counts who came in; scans are made against one.</p>
              <NewListForm eventId={eventId} onCreated={(l) => choose(l.id)} />
            </section>
          ) : (
            <details className="new-list-details">
              <summary>New check-in list</summary>
              <NewListForm eventId={eventId} onCreated={(l) => choose(l.id)} />
            </details>
          ))}
      </Page>
    </>
  );
}

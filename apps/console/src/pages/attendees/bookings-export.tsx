import { useEffect, useId, useRef, useState } from 'react';
import { evently } from '../../api.js';
import { ErrorNote } from '../../components/ui.js';
import { BOOKING_COLUMNS, bookingRecord, csvRecord } from './csv.js';

type ExportState =
  | { phase: 'idle' }
  | { phase: 'running'; count: number }
  | { phase: 'done'; count: number; url: string; filename: string }
  | { phase: 'stopped'; count: number }
  | { phase: 'failed'; count: number; error: unknown };

/** Bookings asked for per page while exporting (the API's most). */
const PAGE_SIZE = 100;

/** "Summer Jazz Night!" -> "summer-jazz-night". */
function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'event'
  );
}

/** Hands the file to the browser, as a click on its link would. */
function download(url: string, filename: string) {
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
}

/**
 * Every booking of the event (whatever the status filter) as a CSV file: walks all the pages,
 * counting as it goes, then offers the file. UTF-8 with a byte-order mark, so spreadsheets read
 * names in any script.
 */
export function BookingsExport({ eventId, eventTitle }: { eventId: string; eventTitle: string }) {
  const [state, setState] = useState<ExportState>({ phase: 'idle' });
  const abort = useRef<AbortController | null>(null);
  const url = state.phase === 'done' ? state.url : undefined;
  const progressId = useId();

  // The file's memory is let go when a new export starts or the page closes.
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  useEffect(() => () => abort.current?.abort(), []);

  async function run() {
    const controller = new AbortController();
    abort.current = controller;
    const chunks = [csvRecord([...BOOKING_COLUMNS])];
    let count = 0;
    setState({ phase: 'running', count });
    try {
      const bookings = evently.paginate(
        evently.bookings.listForEvent,
        { eventId, limit: PAGE_SIZE },
        { signal: controller.signal },
      );
      for await (const booking of bookings) {
        chunks.push(bookingRecord(booking));
        count += 1;
        setState({ phase: 'running', count });
      }
      const blob = new Blob(['\uFEFF', ...chunks], { type: 'text/csv;charset=utf-8' });
      const fileUrl = URL.createObjectURL(blob);
      const filename = `bookings-${slug(eventTitle)}-${new Date().toISOString().slice(0, 10)}.csv`;
      setState({ phase: 'done', count, url: fileUrl, filename });
      download(fileUrl, filename);
    } catch (error) {
      setState(
        controller.signal.aborted ? { phase: 'stopped', count } : { phase: 'failed', count, error },
      );
    } finally {
      if (abort.current === controller) abort.current = null;
    }
  }

  const running = state.phase === 'running';
  const done = state.phase === 'done';
  return (
    <section className="export" aria-labelledby="export-title">
      <h2 id="export-title" className="visually-hidden">
        Export
      </h2>
      <div className="export-actions">
        <button type="button" onClick={() => void run()} disabled={running}>
          Export all bookings (CSV)
        </button>
        {running && (
          <button type="button" onClick={() => abort.current?.abort()}>
            Stop export
          </button>
        )}
      </div>
      {state.phase !== 'idle' && (
        <div className="export-progress">
          <label htmlFor={progressId}>
            {running && `Exporting: ${state.count} bookings so far…`}
            {done && `Exported ${state.count} bookings.`}
            {state.phase === 'stopped' && `Export stopped after ${state.count} bookings.`}
            {state.phase === 'failed' && `Export failed after ${state.count} bookings.`}
          </label>
          <progress
            id={progressId}
            max={done ? Math.max(state.count, 1) : undefined}
            value={done ? Math.max(state.count, 1) : undefined}
          >
            {state.count} bookings
          </progress>
          <p className="visually-hidden" role="status" aria-live="polite">
            {done ? `Export ready: ${state.count} bookings.` : ''}
            {state.phase === 'failed' ? 'Export failed.' : ''}
          </p>
        </div>
      )}
      {state.phase === 'failed' && <ErrorNote error={state.error} />}
      {done && (
        <p>
          <a href={state.url} download={state.filename}>
            Download {state.filename}
          </a>
        </p>
      )}
    </section>
  );
}

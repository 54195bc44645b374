import type { RouterOutputs } from '@evently/sdk';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useCallback, useRef, useState } from 'react';
import { evently, trpc } from '../../api.js';
import { CameraScanner } from './camera-scanner.js';
import { ManualCheckin } from './manual-checkin.js';
import { ScanFeedback, type ScanOutcome } from './scan-result.js';

type CheckinList = RouterOutputs['checkin']['lists']['list'][number];
type Direction = 'entry' | 'exit';

/** What a scanner may send as a code: printable ASCII (anything else is not one of ours). */
const PRINTABLE = /^[\x20-\x7e]+$/;

/** A scan's id for the API: the same id again would be the same scan, so each gets a new one. */
function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console.${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The door: a code typed, pasted, read by a keyboard scanner (Enter submits) or by the camera is
 * redeemed on `list`; the answer shows large, and the list's count is read again after each scan.
 */
export function ScanStation({ list }: { list: CheckinList }) {
  const queries = useQueryClient();
  const [code, setCode] = useState('');
  const [direction, setDirection] = useState<Direction>('entry');
  const [outcome, setOutcome] = useState<ScanOutcome | null>(null);
  const [scans, setScans] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const types = useQuery(trpc.ticketTypes.list.queryOptions({ eventId: list.eventId }));

  const redeem = useMutation({
    mutationFn: async (scanned: { code: string; direction: Direction }): Promise<ScanOutcome> => {
      if (!PRINTABLE.test(scanned.code)) return { kind: 'unreadable' };
      const redeemed = await evently.checkin.redeem.mutate({
        listId: list.id,
        code: scanned.code,
        nonce: nonce(),
        direction: scanned.direction,
      });
      const ticket = redeemed.ticket;
      // Who it is: the list's attendee search by ticket id (a ticket of another type than the
      // list admits is not found there; its type's name still is).
      const found = ticket
        ? await evently.checkin.search.query({ listId: list.id, q: ticket.id }).catch(() => [])
        : [];
      return {
        kind: 'answer',
        redeemed,
        direction: scanned.direction,
        attendee: found.find((a) => a.ticket.id === ticket?.id),
        ticketTypeName: types.data?.find((t) => t.id === ticket?.ticketTypeId)?.name,
      };
    },
    onSuccess: (answer, scanned) => {
      setOutcome(answer);
      setScans((n) => n + 1);
      // A code typed or scanned meanwhile stays.
      setCode((current) => (current.trim() === scanned.code ? '' : current));
    },
    // Not recorded (the network, a refusal): the code stays in the field to try again.
    onError: (error) => {
      setOutcome({ kind: 'failed', error });
      setScans((n) => n + 1);
    },
    // Not awaited: the mutation would stay pending, and its disabled button would make the
    // scanner's next Enter (an implicit submission) do nothing while the counts reload.
    onSettled: () => {
      input.current?.focus();
      void queries.invalidateQueries(trpc.checkin.pathFilter());
    },
  });

  const scan = useCallback(
    (scanned: string) => {
      const trimmed = scanned.trim();
      if (trimmed) redeem.mutate({ code: trimmed, direction });
    },
    [redeem.mutate, direction],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    scan(code);
  };

  return (
    <section className="scan-station" aria-labelledby="scan-title">
      <h2 id="scan-title">Scanning for “{list.name}”</h2>
      <p className="checkin-count" aria-live="polite" aria-atomic="true">
        <strong>{list.checkedIn}</strong> checked in of <strong>{list.total}</strong>
        <span className="hint"> (tickets this list admits)</span>
      </p>
      <form className="scan-form" onSubmit={submit}>
        <fieldset className="direction">
          <legend>Scanning</legend>
          {(['entry', 'exit'] as const).map((d) => (
            <label key={d}>
              <input
                type="radio"
                name="direction"
                value={d}
                checked={direction === d}
                onChange={() => setDirection(d)}
              />{' '}
              {d === 'entry' ? 'Entries' : 'Exits'}
            </label>
          ))}
        </fieldset>
        <label htmlFor="ticket-code" className="scan-label">
          Ticket code
        </label>
        <div className="scan-row">
          <input
            id="ticket-code"
            ref={input}
            className="scan-input"
            // biome-ignore lint/a11y/noAutofocus: the door's one job is this field; scanners type into it
            autoFocus
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            aria-describedby="ticket-code-hint"
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
          {/* Never disabled: a disabled default button swallows a scanner's Enter, and each
              scan has its own nonce, so two in flight are two scans. */}
          <button type="submit" className="primary scan-button" aria-busy={redeem.isPending}>
            {redeem.isPending ? 'Checking…' : 'Check'}
          </button>
        </div>
        <small id="ticket-code-hint" className="hint">
          Scan with a barcode scanner or paste a ticket’s code; Enter checks it. No code at hand?
          Find the attendee by name below.
        </small>
      </form>
      <ScanFeedback outcome={outcome} scan={scans} />
      <CameraScanner onCode={scan} />
      <ManualCheckin list={list} onCheckIn={scan} />
    </section>
  );
}

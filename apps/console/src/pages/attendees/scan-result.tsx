import type { RouterOutputs } from '@evently/sdk';
import { messageOf } from '../../errors.js';
import type { Attendee } from './attendee-search.js';

type Redeemed = RouterOutputs['checkin']['redeem'];
type Direction = 'entry' | 'exit';

/** One scan as the door shows it. */
export type ScanOutcome =
  | {
      kind: 'answer';
      redeemed: Redeemed;
      direction: Direction;
      attendee: Attendee | undefined;
      ticketTypeName: string | undefined;
    }
  | { kind: 'unreadable' }
  | { kind: 'failed'; error: unknown };

function timeOf(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
  });
}

/** The answer in words: a headline (the verdict) and what the person at the door needs to know. */
export function describe(outcome: ScanOutcome): { ok: boolean; headline: string; detail: string } {
  if (outcome.kind === 'unreadable') {
    return {
      ok: false,
      headline: 'Refused: unknown code',
      detail: 'This is not an Evently ticket.',
    };
  }
  if (outcome.kind === 'failed') {
    return {
      ok: false,
      headline: 'Not checked: try again',
      detail: `The scan was not recorded. ${messageOf(outcome.error)}`,
    };
  }
  const { redeemed, direction } = outcome;
  switch (redeemed.result) {
    case 'ok':
      return {
        ok: true,
        headline: direction === 'exit' ? 'OK: checked out' : 'OK: checked in',
        detail: direction === 'exit' ? 'They may come back in later.' : 'Let them in.',
      };
    case 'already_in': {
      const first = redeemed.firstScan;
      const where = first?.gate ? ` at gate ${first.gate}` : '';
      return {
        ok: false,
        headline: 'Refused: already checked in',
        detail: first
          ? `This ticket came in on ${timeOf(first.at)}${where}.`
          : 'This ticket has already been used on this list.',
      };
    }
    case 'not_in':
      return {
        ok: false,
        headline: 'Refused: not checked in',
        detail: 'This ticket is not inside, so it cannot be checked out.',
      };
    case 'invalid':
      return {
        ok: false,
        headline: 'Refused: unknown code',
        detail: 'This is not a valid Evently ticket (forged, mistyped or damaged).',
      };
    case 'void':
      return {
        ok: false,
        headline: 'Refused: ticket cancelled',
        detail: 'This ticket is void: its booking was cancelled or refunded.',
      };
    case 'wrong_event':
      return {
        ok: false,
        headline: 'Refused: another event',
        detail: 'This ticket is for a different event.',
      };
    case 'wrong_list':
      return {
        ok: false,
        headline: 'Refused: not valid for this list',
        detail: 'Its ticket type does not enter through this check-in list.',
      };
  }
}

/**
 * The last scan's answer, large: green with OK or red with REFUSED and the reason in words, and
 * who it is. Announced at once to screen readers; the scan number keeps repeats distinct.
 */
export function ScanFeedback({ outcome, scan }: { outcome: ScanOutcome | null; scan: number }) {
  const said = outcome && describe(outcome);
  const who = outcome?.kind === 'answer' ? outcome.attendee : undefined;
  const type = outcome?.kind === 'answer' ? outcome.ticketTypeName : undefined;
  return (
    <div
      className={`scan-feedback${said ? (said.ok ? ' scan-ok' : ' scan-refused') : ''}`}
      role="status"
      aria-live="assertive"
      aria-atomic="true"
      aria-label="Scan result"
    >
      {said ? (
        <>
          <p className="scan-verdict">
            <span aria-hidden="true">{said.ok ? '✓ ' : '✕ '}</span>
            {said.headline}
          </p>
          {(who || type) && (
            <p className="scan-who">
              {[who?.name, who?.email, type ?? who?.ticketTypeName].filter(Boolean).join(' · ')}
            </p>
          )}
          <p className="scan-detail">{said.detail}</p>
          <p className="scan-number">Scan {scan}</p>
        </>
      ) : (
        <p className="scan-waiting">Ready: scan or type a ticket code.</p>
      )}
    </div>
  );
}

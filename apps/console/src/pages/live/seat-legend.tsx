import type { SeatState } from '@evently/sdk';
import { useId } from 'react';
import { SeatPatterns, SeatShape, STATE_MEANING, STATE_WORD, STATES } from './seat-shape.js';

const SWATCH = 18;

/** Seats per state. */
export type StateCounts = Record<SeatState, number>;

/** The key of the map: each state's look, word, meaning and how many seats are in it now. */
export function SeatLegend({ counts }: { counts: StateCounts }) {
  const prefix = `legend${useId().replaceAll(':', '')}`;
  return (
    <ul className="seat-legend" aria-label="Seat states">
      {STATES.map((state) => (
        <li key={state}>
          <svg
            width={SWATCH}
            height={SWATCH}
            viewBox={`0 0 ${SWATCH} ${SWATCH}`}
            aria-hidden="true"
          >
            <SeatPatterns prefix={prefix} />
            <SeatShape state={state} x={1} y={1} size={SWATCH - 2} prefix={prefix} />
          </svg>
          <span>
            <strong>
              {STATE_WORD[state]}: {counts[state]}
            </strong>{' '}
            <span className="hint">({STATE_MEANING[state]})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

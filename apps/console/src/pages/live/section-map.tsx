import type { MapSeat, Point, SeatState } from '@evently/sdk';
import { memo, useId, useMemo } from 'react';
import {
  countStates,
  type RowSeats,
  rowName,
  type SectionSeats,
  seatPitch,
} from './seat-layout.js';
import { SeatPatterns, SeatShape, STATE_WORD, STATES } from './seat-shape.js';

/** Pixels from one seat to the next; a seat's side; the row labels' column; the margins. */
const CELL = 28;
const SEAT = 22;
const LABEL_WIDTH = 72;
const PAD = 10;
const STAGE_HEIGHT = 26;

interface Geometry {
  toX(x: number): number;
  toY(y: number): number;
}

/** One row: its label and its seats, drawn again only when one of its seats changes state. */
const SeatRow = memo(function SeatRow(props: {
  row: RowSeats;
  states: readonly SeatState[];
  geometry: Geometry;
  prefix: string;
}) {
  const { row, states, geometry, prefix } = props;
  const meanY = row.seats.reduce((sum, s) => sum + s.y, 0) / row.seats.length;
  return (
    <g>
      <text
        x={LABEL_WIDTH}
        y={geometry.toY(meanY) + SEAT / 2}
        textAnchor="end"
        dominantBaseline="middle"
        fontSize="12"
        fill="var(--ink)"
      >
        {row.label}
      </text>
      {row.seats.map((seat, i) => {
        const state = states[i] ?? seat.state;
        return (
          <SeatShape
            key={seat.id}
            state={state}
            x={geometry.toX(seat.x)}
            y={geometry.toY(seat.y)}
            size={SEAT}
            prefix={prefix}
            title={`${rowName(row)}, seat ${seat.label}: ${STATE_WORD[state].toLowerCase()}${seat.accessible ? ' (wheelchair space)' : ''}`}
          />
        );
      })}
    </g>
  );
}, sameRow);

function sameRow(
  a: { row: RowSeats; states: readonly SeatState[]; geometry: Geometry; prefix: string },
  b: { row: RowSeats; states: readonly SeatState[]; geometry: Geometry; prefix: string },
): boolean {
  return (
    a.row === b.row &&
    a.geometry === b.geometry &&
    a.prefix === b.prefix &&
    a.states.length === b.states.length &&
    a.states.every((state, i) => state === b.states[i])
  );
}

/** Where the stage is drawn: above the seats, below them, or not (the focus is among them). */
function stageSide(focus: Point, minY: number, maxY: number): 'top' | 'bottom' | undefined {
  if (focus.y < minY) return 'top';
  if (focus.y > maxY) return 'bottom';
  return undefined;
}

/** The section's extent in plan coordinates (a loop: a spread of 100,000 seats overflows). */
function boundsOf(section: SectionSeats) {
  const b = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  for (const row of section.rows) {
    for (const { x, y } of row.seats) {
      b.minX = Math.min(b.minX, x);
      b.maxX = Math.max(b.maxX, x);
      b.minY = Math.min(b.minY, y);
      b.maxY = Math.max(b.maxY, y);
    }
  }
  return b;
}

/**
 * A section's seats at their plan coordinates, each in its state's fill and pattern, with the row
 * labels and the stage; its summary in words labels the drawing.
 */
export function SectionMap(props: {
  section: SectionSeats;
  focus: Point;
  stateOf: (seat: MapSeat) => SeatState;
}) {
  const { section, focus, stateOf } = props;
  const captionId = useId();
  const prefix = `seats${useId().replaceAll(':', '')}`;
  const { minX, maxX, minY, maxY } = useMemo(() => boundsOf(section), [section]);
  const pitch = useMemo(() => seatPitch(section), [section]);
  const stage = stageSide(focus, minY, maxY);
  const left = LABEL_WIDTH + PAD;
  const top = PAD + (stage === 'top' ? STAGE_HEIGHT + PAD : 0);
  const seatsWidth = ((maxX - minX) / pitch) * CELL + SEAT;
  const seatsHeight = ((maxY - minY) / pitch) * CELL + SEAT;
  const width = left + seatsWidth + PAD;
  const height = top + seatsHeight + PAD + (stage === 'bottom' ? STAGE_HEIGHT + PAD : 0);
  const geometry = useMemo<Geometry>(
    () => ({
      toX: (x) => left + ((x - minX) / pitch) * CELL,
      toY: (y) => top + ((y - minY) / pitch) * CELL,
    }),
    [left, top, minX, minY, pitch],
  );
  const states = section.rows.map((row) => row.seats.map(stateOf));
  const counts = countStates(states.flat().map((state) => ({ state })));
  const summary = `${section.seats} seats: ${STATES.map((s) => `${counts[s]} ${STATE_WORD[s].toLowerCase()}`).join(', ')}.`;
  const stageWidth = Math.min(160, seatsWidth);
  const stageCentre = geometry.toX(Math.min(Math.max(focus.x, minX), maxX)) + SEAT / 2;
  const stageLeft = Math.min(
    Math.max(stageCentre - stageWidth / 2, left),
    left + seatsWidth - stageWidth,
  );
  const stageTop = stage === 'top' ? PAD : top + seatsHeight + PAD;
  return (
    <figure className="seat-section">
      <figcaption id={captionId}>
        <h2>{section.name}</h2>
        <p>{summary}</p>
      </figcaption>
      <svg
        className="seat-map"
        role="img"
        aria-labelledby={captionId}
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
      >
        <title>{`${section.name}: ${summary}`}</title>
        <SeatPatterns prefix={prefix} />
        {stage && (
          <g>
            <rect
              x={stageLeft}
              y={stageTop}
              width={stageWidth}
              height={STAGE_HEIGHT}
              rx="4"
              fill="var(--panel)"
              stroke="var(--muted)"
            />
            <text
              x={stageLeft + stageWidth / 2}
              y={stageTop + STAGE_HEIGHT / 2}
              textAnchor="middle"
              dominantBaseline="middle"
              fontSize="12"
              fill="var(--ink)"
            >
              Stage
            </text>
          </g>
        )}
        {section.rows.map((row, i) => (
          <SeatRow
            key={row.key}
            row={row}
            states={states[i] ?? []}
            geometry={geometry}
            prefix={prefix}
          />
        ))}
      </svg>
    </figure>
  );
}

import { type SeatState, seatStates } from '@evently/sdk';

/** Each state's word, as the legend, the seats' titles and the tables say it. */
export const STATE_WORD: Record<SeatState, string> = {
  available: 'Free',
  held: 'Held',
  sold: 'Sold',
  blocked: 'Blocked',
};

/** What each state means, for the legend. */
export const STATE_MEANING: Record<SeatState, string> = {
  available: 'on sale',
  held: 'in a booking awaiting payment',
  sold: 'in a confirmed booking',
  blocked: 'kept off sale',
};

export const STATES = seatStates;

/** Ids of the patterns `SeatPatterns` defines under `prefix`. */
const patternId = (prefix: string, state: SeatState) => `${prefix}-${state}`;

/**
 * The fills of the states, in this SVG: free is an outline, held is striped, sold is solid,
 * blocked is grey with a cross — told apart without colour too.
 */
export function SeatPatterns({ prefix }: { prefix: string }) {
  return (
    <defs>
      <pattern
        id={patternId(prefix, 'held')}
        width="6"
        height="6"
        patternUnits="userSpaceOnUse"
        patternTransform="rotate(45)"
      >
        <rect width="6" height="6" fill="var(--warn-bg)" />
        <line x1="0" y1="0" x2="0" y2="6" stroke="var(--warn)" strokeWidth="3" />
      </pattern>
    </defs>
  );
}

const STYLE: Record<SeatState, { fill: (prefix: string) => string; stroke: string }> = {
  available: { fill: () => 'var(--paper)', stroke: 'var(--ok)' },
  held: { fill: (prefix) => `url(#${patternId(prefix, 'held')})`, stroke: 'var(--warn)' },
  sold: { fill: () => 'var(--accent)', stroke: 'var(--accent)' },
  blocked: { fill: () => 'var(--muted)', stroke: 'var(--muted)' },
};

/** One seat (or a legend's swatch): a rounded square of `size` at (x, y), in its state's fill. */
export function SeatShape(props: {
  state: SeatState;
  x: number;
  y: number;
  size: number;
  prefix: string;
  title?: string;
}) {
  const { state, x, y, size, prefix } = props;
  const style = STYLE[state];
  const inset = size * 0.25;
  return (
    <g>
      {props.title && <title>{props.title}</title>}
      <rect
        x={x}
        y={y}
        width={size}
        height={size}
        rx={size * 0.2}
        fill={style.fill(prefix)}
        stroke={style.stroke}
        strokeWidth={Math.max(1, size * 0.08)}
      />
      {state === 'blocked' && (
        <path
          d={`M${x + inset} ${y + inset}L${x + size - inset} ${y + size - inset}M${x + size - inset} ${y + inset}L${x + inset} ${y + size - inset}`}
          stroke="var(--paper)"
          strokeWidth={Math.max(1, size * 0.1)}
        />
      )}
    </g>
  );
}

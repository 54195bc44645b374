import type { MapSeat, SeatState } from '@evently/sdk';
import { countStates, rowName, type SectionSeats } from './seat-layout.js';
import { STATE_WORD, STATES } from './seat-shape.js';

/** A row's taken seats named in its cell, at most this many (then "and N more"). */
const NAMED_SEATS = 24;

/** The seats of a row that are not free, as words: "3 held, 4 sold". */
function takenOf(seats: MapSeat[], stateOf: (seat: MapSeat) => SeatState): string {
  const taken = seats
    .map((seat) => ({ seat, state: stateOf(seat) }))
    .filter(({ state }) => state !== 'available');
  if (taken.length === 0) return 'none';
  const named = taken
    .slice(0, NAMED_SEATS)
    .map(({ seat, state }) => `${seat.label} ${STATE_WORD[state].toLowerCase()}`);
  const more = taken.length - named.length;
  return named.join(', ') + (more > 0 ? `, and ${more} more` : '');
}

/** The map in words: per row, how many seats are in each state and which are taken. */
export function SeatRowsTable({
  section,
  stateOf,
}: {
  section: SectionSeats;
  stateOf: (seat: MapSeat) => SeatState;
}) {
  return (
    <table>
      <caption>{section.name}: seats per row</caption>
      <thead>
        <tr>
          <th scope="col">Row</th>
          {STATES.map((state) => (
            <th scope="col" className="num" key={state}>
              {STATE_WORD[state]}
            </th>
          ))}
          <th scope="col">Taken seats</th>
        </tr>
      </thead>
      <tbody>
        {section.rows.map((row) => {
          const counts = countStates(row.seats.map((seat) => ({ state: stateOf(seat) })));
          return (
            <tr key={row.key}>
              <th scope="row">{rowName(row)}</th>
              {STATES.map((state) => (
                <td className="num" key={state}>
                  {counts[state]}
                </td>
              ))}
              <td>{takenOf(row.seats, stateOf)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

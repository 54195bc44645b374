import { seatingPlanInputSchema } from '@evently/contracts';
import { describe, expect, it } from 'vitest';
import { editPlan } from './plan-edit.js';
import { focusOf, placedSeats, toSeatingMap } from './seating.mappers.js';
import type { CurrentSeat, MapSeatRow } from './seating.repository.js';

const T = '00000000-0000-4000-8000-000000000001';
const U = '00000000-0000-4000-8000-000000000002';

/** A plan of rows drawn as `section/row: seat keys`, each seat of type T unless `key:U`. */
function planOf(...rows: string[]) {
  const sections = new Map<string, { key: string; label: string; seats: unknown[] }[]>();
  for (const [y, line] of rows.entries()) {
    const [where = '', keys = ''] = line.split(':');
    const [section = '', row = ''] = where.split('/');
    const seats = keys
      .trim()
      .split(/\s+/)
      .map((k, x) => {
        const [key = '', type] = k.split('@');
        return { key, label: key, ticketTypeId: type === 'U' ? U : T, x, y };
      });
    sections.set(section, [...(sections.get(section) ?? []), { key: row, label: row, seats }]);
  }
  return seatingPlanInputSchema.parse({
    sections: [...sections].map(([key, rs]) => ({ key, name: key, rows: rs })),
  });
}

const seat = (id: string, keys: string, live = false, ticketTypeId = T): CurrentSeat => {
  const [section = '', row = '', key = ''] = keys.split('/');
  return { id, section, row, seat: key, ticketTypeId, live };
};

describe('editPlan', () => {
  it('keeps seats whose keys stay, drops the others, counts the new', () => {
    const current = [seat('a1', 'main/A/1'), seat('a2', 'main/A/2'), seat('b1', 'main/B/1')];
    const edit = editPlan(current, placedSeats(planOf('main/A: 1 2 3', 'side/B: 1')));
    expect(edit).toEqual({ removedIds: ['b1'], added: 2, kept: 2, refused: [] });
  });

  it('refuses to remove or retype a seat held or sold, and nothing else', () => {
    const current = [
      seat('a1', 'main/A/1', true),
      seat('a2', 'main/A/2', true),
      seat('a3', 'main/A/3', true),
      seat('a4', 'main/A/4'),
    ];
    // a1 moves nowhere (kept), a2 is retyped, a3 is gone, a4 (free) is retyped: fine.
    const edit = editPlan(current, placedSeats(planOf('main/A: 1 2@U 4@U')));
    expect(edit.refused).toEqual([
      { section: 'main', row: 'A', seat: '2', reason: 'ticketTypeChanged' },
      { section: 'main', row: 'A', seat: '3', reason: 'removed' },
    ]);
    // The same keys in another row are another seat.
    expect(
      editPlan([seat('a1', 'main/A/1', true)], placedSeats(planOf('main/B: 1'))).refused,
    ).toEqual([{ section: 'main', row: 'A', seat: '1', reason: 'removed' }]);
  });
});

describe('the plan as stored and drawn', () => {
  it('looks at the middle of the front edge without a focus', () => {
    expect(focusOf(planOf('main/A: 1 2 3 4', 'main/B: 1 2'))).toEqual({ x: 1.5, y: 0 });
    expect(focusOf({ focus: { x: 7, y: -2 }, sections: [] })).toEqual({ x: 7, y: -2 });
    expect(focusOf({ sections: [] })).toEqual({ x: 0, y: 0 });
  });

  it('numbers seats in their row and draws the map in plan order', () => {
    const plan = planOf('stage/Z: 9 8', 'main/A: 3 1');
    expect(
      placedSeats(plan).map((s) => `${s.sectionKey}/${s.rowKey}/${s.seatKey}@${s.position}`),
    ).toEqual(['stage/Z/9@0', 'stage/Z/8@1', 'main/A/3@0', 'main/A/1@1']);
    const row = (section: string, r: string, label: string, position: number): MapSeatRow => ({
      id: label,
      section,
      row: r,
      label,
      ticketTypeId: T,
      x: 0,
      y: 0,
      accessible: false,
      state: 'available',
      position,
    });
    const sections = [
      { key: 'stage', name: 'stage', rows: [{ key: 'Z', label: 'Z' }] },
      { key: 'main', name: 'main', rows: [{ key: 'A', label: 'A' }] },
    ];
    const map = toSeatingMap({ version: 3, focus: { x: 0, y: 0 }, sections }, [
      row('main', 'A', '1', 1),
      row('stage', 'Z', '8', 1),
      row('main', 'A', '3', 0),
      row('stage', 'Z', '9', 0),
    ]);
    expect(map.seats.map((s) => s.label)).toEqual(['9', '8', '3', '1']);
    expect(map.seats[0]).not.toHaveProperty('position');
    expect(toSeatingMap(undefined, [])).toEqual({
      version: 0,
      focus: { x: 0, y: 0 },
      sections: [],
      seats: [],
    });
  });
});

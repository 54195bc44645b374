import type { MapSeat, SeatChange, SeatingMap, SeatState } from '@evently/sdk';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/**
 * The plan's unit: the least distance between neighbouring seats of a row (the plan's
 * coordinates are in any unit — metres, pixels, seat widths), so a seat is drawn a little
 * smaller than the gap to its neighbour whatever the scale.
 */
function unitOf(seats: readonly MapSeat[]): number {
  let unit = Number.POSITIVE_INFINITY;
  for (let i = 1; i < seats.length; i += 1) {
    const [a, b] = [seats[i - 1], seats[i]];
    if (!a || !b || a.section !== b.section || a.row !== b.row) continue;
    const distance = Math.hypot(b.x - a.x, b.y - a.y);
    if (distance > 0) unit = Math.min(unit, distance);
  }
  return Number.isFinite(unit) ? unit : 1;
}

/**
 * The seat map: one SVG shape per seat at its plan coordinates (the viewBox is the plan's
 * bounds, so the browser scales it to the page), coloured by state through CSS
 * (`.seat[data-state=…]`), a square for a wheelchair-accessible seat, a circle otherwise. Row
 * labels sit left of each row, section names above, the stage at the plan's `focus`. Each seat
 * names its section, row, seat and state in its `aria-label`. Available seats toggle selection
 * on click (or Enter/Space); a seat that stops being available leaves the selection.
 */
export function createSeatMap(
  root: SVGSVGElement,
  onSelection: (selected: readonly MapSeat[]) => void,
) {
  const shapes = new Map<string, SVGElement>();
  const seats = new Map<string, MapSeat>();
  const selected = new Set<string>();
  let describe = (seat: MapSeat) => seat.label;
  // The SVG's own title (its tooltip) stays; the rest is drawn afresh.
  const title = root.querySelector(':scope > title') ?? svg('title', {}, 'Seat map');

  function show(seat: MapSeat, state: SeatState) {
    const shape = shapes.get(seat.id);
    if (!shape) return;
    seat.state = state;
    shape.dataset.state = state;
    const label = `${describe(seat)}: ${state}`;
    shape.setAttribute('aria-label', label);
    shape.setAttribute('aria-disabled', String(state !== 'available'));
    shape.replaceChildren(svg('title', {}, label)); // the tooltip
    if (state !== 'available' && selected.has(seat.id)) {
      mark(seat.id, false);
      changed();
    }
  }

  /** Selects or deselects one seat (its `aria-pressed` too: CSS draws it selected). */
  function mark(id: string, on: boolean) {
    if (on) selected.add(id);
    else selected.delete(id);
    shapes.get(id)?.setAttribute('aria-pressed', String(on));
  }

  const changed = () => onSelection([...selected].flatMap((id) => seats.get(id) ?? []));

  function toggle(id: string) {
    if (seats.get(id)?.state !== 'available') return;
    mark(id, !selected.has(id));
    changed();
  }

  root.addEventListener('click', (clicked) => {
    const id = (clicked.target as Element).closest<SVGElement>('.seat')?.dataset.seatId;
    if (id) toggle(id);
  });
  root.addEventListener('keydown', (pressed) => {
    const id = (pressed.target as Element).closest<SVGElement>('.seat')?.dataset.seatId;
    if (id && (pressed.key === 'Enter' || pressed.key === ' ')) {
      pressed.preventDefault();
      toggle(id);
    }
  });

  /** Draws `map` afresh (a plan edit may move, add or remove any seat). */
  function draw(map: SeatingMap) {
    const sections = new Map(map.sections.map((s) => [s.key, s]));
    const rows = new Map(
      map.sections.flatMap((s) => s.rows.map((r) => [`${s.key}/${r.key}`, r.label] as const)),
    );
    const rowLabel = (seat: MapSeat) => rows.get(`${seat.section}/${seat.row}`) || seat.row;
    describe = (seat) =>
      `Section ${sections.get(seat.section)?.name ?? seat.section}, row ${rowLabel(seat)}, ` +
      `seat ${seat.label}${seat.accessible ? ' (wheelchair accessible)' : ''}`;
    shapes.clear();
    seats.clear();
    const kept = [...selected];
    selected.clear();
    root.replaceChildren(title);
    root.style.display = map.seats.length === 0 ? 'none' : ''; // no plan (yet)
    if (map.seats.length === 0) {
      changed();
      return;
    }

    const unit = unitOf(map.seats);
    const r = unit * 0.4;
    // The plan's bounds (a loop: a hall's 100,000 seats are too many arguments for Math.min).
    const box = { minX: map.focus.x, maxX: map.focus.x, minY: map.focus.y, maxY: map.focus.y };
    let longest = 0;
    for (const seat of map.seats) {
      box.minX = Math.min(box.minX, seat.x);
      box.maxX = Math.max(box.maxX, seat.x);
      box.minY = Math.min(box.minY, seat.y);
      box.maxY = Math.max(box.maxY, seat.y);
      longest = Math.max(longest, rowLabel(seat).length);
    }
    const left = box.minX - unit * (1 + 0.25 * longest); // room for the row labels
    const top = box.minY - unit * 1.3; // and for the section names
    const [width, height] = [box.maxX + unit - left, box.maxY + unit - top];
    root.setAttribute('viewBox', `${left} ${top} ${width} ${height}`);
    // The page's width for a large hall; a small one is not blown up past 44 px a seat.
    root.style.maxWidth = `${(width / unit) * 44}px`;

    const labels = svg('g', { class: 'labels', 'aria-hidden': 'true' });
    const shapesLayer = svg('g', {});
    labels.append(
      svg('text', { x: map.focus.x, y: map.focus.y, 'font-size': unit * 0.45 }, 'stage'),
    );
    const firstOfRow = new Map<string, MapSeat>();
    const ofSection = new Map<string, { minX: number; maxX: number; minY: number }>();
    for (const seat of map.seats) {
      const rowKey = `${seat.section}/${seat.row}`;
      const first = firstOfRow.get(rowKey);
      if (!first || seat.x < first.x) firstOfRow.set(rowKey, seat);
      const bounds = ofSection.get(seat.section) ?? { minX: seat.x, maxX: seat.x, minY: seat.y };
      ofSection.set(seat.section, {
        minX: Math.min(bounds.minX, seat.x),
        maxX: Math.max(bounds.maxX, seat.x),
        minY: Math.min(bounds.minY, seat.y),
      });

      const geometry: Record<string, number> = seat.accessible
        ? { x: seat.x - r, y: seat.y - r, width: 2 * r, height: 2 * r, rx: r / 3 }
        : { cx: seat.x, cy: seat.y, r };
      const shape = svg(seat.accessible ? 'rect' : 'circle', {
        ...geometry,
        class: 'seat',
        'data-seat-id': seat.id,
        role: 'button',
        tabindex: 0,
        'aria-pressed': 'false',
      });
      shapesLayer.append(shape);
      shapes.set(seat.id, shape);
      const copy = { ...seat };
      seats.set(seat.id, copy);
      show(copy, copy.state);
    }
    for (const seat of firstOfRow.values()) {
      const at = { x: seat.x - unit * 0.7, y: seat.y, 'font-size': unit * 0.4 };
      labels.append(svg('text', { ...at, class: 'row-label' }, rowLabel(seat)));
    }
    for (const [key, { minX, maxX, minY }] of ofSection) {
      const at = { x: (minX + maxX) / 2, y: minY - unit * 0.8, 'font-size': unit * 0.4 };
      labels.append(svg('text', at, sections.get(key)?.name ?? key));
    }
    root.append(labels, shapesLayer);
    // A seat selected before a plan edit stays selected if it is still there and available.
    for (const id of kept) if (seats.get(id)?.state === 'available') mark(id, true);
    changed();
  }

  return {
    draw,
    /** Nothing drawn (another event's map is on its way). */
    clear: () => draw({ version: 0, focus: { x: 0, y: 0 }, sections: [], seats: [] }),
    /** A `seating.live` message: these seats are in `state` now (unknown ids: not drawn). */
    apply(change: SeatChange) {
      for (const id of change.seatIds) {
        const seat = seats.get(id);
        if (seat) show(seat, change.state);
      }
    },
    clearSelection() {
      for (const id of [...selected]) mark(id, false);
      changed();
    },
  };
}

export type SeatMap = ReturnType<typeof createSeatMap>;

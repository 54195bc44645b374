import type { TicketTypeFigures } from '@evently/sdk';
import { useId } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, XAxis, YAxis } from 'recharts';
import { money } from '../../components/ui.js';

/** Height of one type's bar in the chart, in pixels. */
const ROW_HEIGHT = 44;

/**
 * Sold and held seats per ticket type: stacked bars (held ones striped, so the two differ without
 * colour) and the same figures, with revenue, as a table.
 */
export function TicketTypesPanel({
  types,
  currency,
}: {
  types: TicketTypeFigures[];
  currency: string;
}) {
  const titleId = useId();
  const stripes = `held-stripes-${useId().replaceAll(':', '')}`;
  if (types.length === 0) return null;
  const summary = types.map((t) => `${t.name}: ${t.ticketsSold} sold, ${t.held} held`).join('; ');
  return (
    <section className="chart" aria-labelledby={titleId}>
      <h2 id={titleId}>By ticket type</h2>
      <div
        className="chart-area"
        role="img"
        aria-label={`Chart of seats per ticket type. ${summary}.`}
      >
        <ResponsiveContainer width="100%" height={types.length * ROW_HEIGHT + 70}>
          <BarChart
            data={types}
            layout="vertical"
            margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
            accessibilityLayer={false}
          >
            <defs>
              <pattern
                id={stripes}
                width="8"
                height="8"
                patternUnits="userSpaceOnUse"
                patternTransform="rotate(45)"
              >
                <rect width="8" height="8" fill="var(--warn-bg)" />
                <line x1="0" y1="0" x2="0" y2="8" stroke="var(--warn)" strokeWidth="4" />
              </pattern>
            </defs>
            <CartesianGrid stroke="var(--line)" strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" allowDecimals={false} stroke="var(--muted)" />
            <YAxis type="category" dataKey="name" width={140} stroke="var(--muted)" />
            <Legend />
            <Bar
              dataKey="ticketsSold"
              name="Sold"
              stackId="seats"
              fill="var(--accent)"
              isAnimationActive={false}
            />
            <Bar
              dataKey="held"
              name="Held (pending)"
              stackId="seats"
              fill={`url(#${stripes})`}
              stroke="var(--warn)"
              isAnimationActive={false}
            />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table>
        <caption>Seats and revenue per ticket type</caption>
        <thead>
          <tr>
            <th scope="col">Ticket type</th>
            <th scope="col" className="num">
              Sold
            </th>
            <th scope="col" className="num">
              Held
            </th>
            <th scope="col" className="num">
              Revenue
            </th>
          </tr>
        </thead>
        <tbody>
          {types.map((type) => (
            <tr key={type.ticketTypeId}>
              <th scope="row">{type.name}</th>
              <td className="num">{type.ticketsSold}</td>
              <td className="num">{type.held}</td>
              <td className="num">{money(type.revenueCents, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

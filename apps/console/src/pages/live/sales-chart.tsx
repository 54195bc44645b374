import { useEffect, useId, useState } from 'react';
import {
  Area,
  AreaChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { money } from '../../components/ui.js';
import type { SalesPoint } from './sales-history.js';

const DAY_MS = 86_400_000;
/** The chart spans at least this long, ending now. */
const MIN_SPAN_MS = 15 * 60_000;
/** How often the chart's end moves on to now between updates. */
const CLOCK_MS = 15_000;
const TICKS = 5;
/** Rows of the table beside the chart: the latest points. */
const TABLE_ROWS = 12;

const TIME = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });
const EXACT = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** In words: where sales stand now and how far they came over the series. */
function summaryOf(series: SalesPoint[], currency: string): string {
  const first = series[0];
  const last = series.at(-1);
  if (!first || !last) return 'No sales figures yet.';
  if (last.tickets === 0) return 'No tickets sold yet.';
  const gained = last.tickets - first.tickets;
  const since =
    gained > 0 ? ` ${gained} of them since ${DATE_TIME.format(first.at)}` : ' none since the start';
  return `${last.tickets} tickets sold now (${money(last.revenueCents, currency)});${since}.`;
}

/** The time now, moving on every `everyMs`. */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/**
 * Tickets sold accumulating over time: a stepped area that grows as live updates arrive, its
 * summary in words, and the latest points as a table.
 */
export function SalesChart({ series, currency }: { series: SalesPoint[]; currency: string }) {
  const titleId = useId();
  const now = useNow(CLOCK_MS);
  const last = series.at(-1);
  // The figures hold until the next update: the line goes on to now.
  const end = Math.max(now, last?.at ?? now);
  const plotted = last && end > last.at ? [...series, { ...last, at: end }] : series;
  const start = Math.min(series[0]?.at ?? end, end - MIN_SPAN_MS);
  const ticks = Array.from({ length: TICKS }, (_, i) => start + ((end - start) * i) / (TICKS - 1));
  const tick = end - start > DAY_MS ? DATE_TIME : TIME;
  const summary = summaryOf(series, currency);
  const latest = series.slice(-TABLE_ROWS).reverse();
  return (
    <figure className="chart" aria-labelledby={titleId}>
      <figcaption>
        <h2 id={titleId}>Sales over time</h2>
        <p>{summary}</p>
      </figcaption>
      <div
        className="chart-area"
        role="img"
        aria-label={`Chart of tickets sold over time. ${summary}`}
      >
        <ResponsiveContainer width="100%" height={260}>
          <AreaChart
            data={plotted}
            margin={{ top: 8, right: 16, bottom: 8, left: 0 }}
            accessibilityLayer={false}
          >
            <CartesianGrid stroke="var(--line)" strokeDasharray="3 3" />
            <XAxis
              dataKey="at"
              type="number"
              scale="time"
              domain={[start, end]}
              ticks={ticks}
              tickFormatter={(at: number) => tick.format(at)}
              stroke="var(--muted)"
            />
            <YAxis allowDecimals={false} stroke="var(--muted)" width={48} />
            <Tooltip
              labelFormatter={(at) => EXACT.format(Number(at))}
              formatter={(value) => [String(value), 'Tickets sold']}
            />
            <Area
              type="stepAfter"
              dataKey="tickets"
              name="Tickets sold"
              stroke="var(--accent)"
              strokeWidth={2}
              fill="var(--info-bg)"
              isAnimationActive={false}
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>The latest figures as a table</summary>
        <table>
          <caption>Tickets sold and revenue, newest first</caption>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col" className="num">
                Tickets sold
              </th>
              <th scope="col" className="num">
                Revenue
              </th>
            </tr>
          </thead>
          <tbody>
            {latest.map((point) => (
              <tr key={`${point.at}:${point.tickets}:${point.revenueCents}`}>
                <td>{EXACT.format(point.at)}</td>
                <td className="num">{point.tickets}</td>
                <td className="num">{money(point.revenueCents, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

import type { ReactNode } from 'react';
import { money } from '../../components/ui.js';
import { type Figures, heldOf } from './sales-history.js';

const COUNT = new Intl.NumberFormat();
const PERCENT = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

function Figure(props: { label: string; value: ReactNode; detail?: ReactNode }) {
  return (
    <div className="card">
      <dt className="label">{props.label}</dt>
      <dd className="value">{props.value}</dd>
      {props.detail && <dd className="detail">{props.detail}</dd>}
    </div>
  );
}

/** The event's headline figures, as words and numbers. */
export function FigureCards({ figures, currency }: { figures: Figures; currency: string }) {
  const held = heldOf(figures);
  const entered = figures.checkins.reduce((sum, list) => sum + list.entered, 0);
  const inside = figures.checkins.reduce((sum, list) => sum + list.inside, 0);
  return (
    <dl className="cards live-figures">
      <Figure
        label="Tickets sold"
        value={COUNT.format(figures.ticketsSold)}
        detail={`of ${COUNT.format(figures.capacity)} seats`}
      />
      <Figure
        label="Revenue"
        value={money(figures.revenueCents, currency)}
        detail={
          figures.refundedCents > 0
            ? `after ${money(figures.refundedCents, currency)} refunded`
            : 'received, less refunds'
        }
      />
      <Figure
        label="Utilization"
        value={PERCENT.format(figures.utilization)}
        detail={
          <span className="bar" aria-hidden="true">
            <span style={{ width: `${Math.min(100, figures.utilization * 100)}%` }} />
          </span>
        }
      />
      <Figure
        label="Held"
        value={COUNT.format(held)}
        detail={
          figures.pendingPaymentCents > 0
            ? `${money(figures.pendingPaymentCents, currency)} awaiting payment`
            : 'seats in pending bookings'
        }
      />
      <Figure
        label="Confirmed bookings"
        value={COUNT.format(figures.confirmedBookings)}
        detail={`${COUNT.format(figures.cancellations)} cancelled, ${COUNT.format(figures.expirations)} lapsed`}
      />
      <Figure
        label="Waitlist"
        value={COUNT.format(figures.waitlist.waiting)}
        detail={`waiting; ${COUNT.format(figures.waitlist.converted)} of ${COUNT.format(figures.waitlist.offered)} offers taken`}
      />
      {figures.checkins.length > 0 && (
        <Figure
          label="Checked in"
          value={COUNT.format(entered)}
          detail={`${COUNT.format(inside)} inside now`}
        />
      )}
    </dl>
  );
}

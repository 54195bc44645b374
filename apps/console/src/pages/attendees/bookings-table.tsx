import type { RouterOutputs } from '@evently/sdk';
import { money, Tag, when } from '../../components/ui.js';
import { itemsText } from './csv.js';
import { BOOKING_STATUS, shortId } from './labels.js';
import { TableScroll } from './table-scroll.js';

export type Booking = RouterOutputs['bookings']['listForEvent']['items'][number];

/** The bookings shown, newest first as the API lists them; open ones may be cancelled. */
export function BookingsTable(props: {
  caption: string;
  bookings: Booking[];
  onCancel: (booking: Booking) => void;
}) {
  return (
    <TableScroll label={props.caption}>
      <table className="bookings-table">
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Booking</th>
            <th scope="col">Status</th>
            <th scope="col">Tickets</th>
            <th scope="col" className="num">
              Total
            </th>
            <th scope="col">Booked</th>
            <th scope="col">Holder</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.bookings.map((b) => {
            const status = BOOKING_STATUS[b.status];
            const open = b.status === 'pending' || b.status === 'confirmed';
            return (
              <tr key={b.id}>
                <th scope="row">
                  <code title={b.id}>{shortId(b.id)}</code>
                </th>
                <td>
                  <Tag tone={status.tone}>{status.label}</Tag>
                  {b.cancelledAt && <div className="hint">on {when(b.cancelledAt)}</div>}
                </td>
                <td>
                  {itemsText(b)}
                  {b.voucherCode && <div className="hint">Voucher {b.voucherCode}</div>}
                </td>
                <td className="num">{money(b.totalCents, b.currency)}</td>
                <td>{when(b.createdAt)}</td>
                <td>
                  <code title={b.userId}>{shortId(b.userId)}</code>
                </td>
                <td>
                  {open && (
                    <button
                      type="button"
                      className="danger"
                      aria-label={`Cancel booking ${shortId(b.id)}`}
                      onClick={() => props.onCancel(b)}
                    >
                      Cancel…
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableScroll>
  );
}

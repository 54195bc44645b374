import type { RouterOutputs } from '@evently/sdk';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { trpc } from '../../api.js';
import { Tag } from '../../components/ui.js';
import { shortId } from './labels.js';
import { TableScroll } from './table-scroll.js';

export type Attendee = RouterOutputs['checkin']['search'][number];

/**
 * Attendees of a check-in list whose name or email contains `q`, or whose ticket id starts with
 * it (`checkin.search`: at least 2 characters, at most 20 answers).
 */
export function useAttendeeSearch(listId: string | undefined, q: string) {
  const term = q.trim();
  return useQuery({
    ...trpc.checkin.search.queryOptions({ listId: listId ?? '', q: term }),
    enabled: Boolean(listId) && term.length >= 2,
  });
}

/** Attendees found, each with the booking its ticket belongs to; `action` adds a last column. */
export function AttendeeTable(props: {
  caption: string;
  attendees: Attendee[];
  action?: { header: string; render: (attendee: Attendee) => ReactNode };
}) {
  return (
    <TableScroll label={props.caption}>
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Ticket type</th>
            <th scope="col">Ticket</th>
            <th scope="col">Booking</th>
            <th scope="col">At the door</th>
            {props.action && <th scope="col">{props.action.header}</th>}
          </tr>
        </thead>
        <tbody>
          {props.attendees.map((a) => (
            <tr key={a.ticket.id}>
              <td>{a.name}</td>
              <td>{a.email}</td>
              <td>{a.ticketTypeName}</td>
              <td>
                <code title={a.ticket.id}>{shortId(a.ticket.id)}</code>{' '}
                {a.ticket.status === 'void' && <Tag tone="bad">void</Tag>}
              </td>
              <td>
                <code title={a.ticket.bookingId}>{shortId(a.ticket.bookingId)}</code>
              </td>
              <td>{a.inside ? <Tag tone="ok">Checked in</Tag> : <Tag tone="info">Not in</Tag>}</td>
              {props.action && <td>{props.action.render(a)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

import type { TicketType, Voucher, VoucherEffect } from '@evently/sdk';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { trpc } from '../../api.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { EventTabs, useEventId } from '../../components/event-tabs.js';
import { ErrorNote, Loading, money, Page, Tag, when } from '../../components/ui.js';
import { yesNo } from './form-bits.js';
import { NewVoucherForm } from './voucher-form.js';

/** A voucher's effect in words. */
function effectText(effect: VoucherEffect, currency: string): string {
  switch (effect.kind) {
    case 'percent':
      return `${effect.percent}% off`;
    case 'amount':
      return `${money(effect.amountCents, currency)} off each ticket`;
    case 'price':
      return `${money(effect.priceCents, currency)} per ticket`;
    default:
      return 'Access code (no discount)';
  }
}

/** The event's promo and access codes: what each does, its uses; new ones; disabling. */
export function VouchersPage() {
  const eventId = useEventId();
  const event = useQuery(trpc.events.get.queryOptions({ id: eventId }));
  const types = useQuery(trpc.ticketTypes.list.queryOptions({ eventId }));
  const vouchers = useInfiniteQuery(
    trpc.vouchers.list.infiniteQueryOptions(
      { eventId, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const [created, setCreated] = useState<Voucher[]>([]);
  const currency = event.data?.currency ?? 'EUR';
  const items = vouchers.data?.pages.flatMap((page) => page.items) ?? [];
  const typeList = types.data ?? [];
  return (
    <>
      <EventTabs />
      <Page title="Vouchers">
        <ErrorNote error={vouchers.error ?? types.error ?? event.error} />
        {created.length > 0 && (
          <p className="note" role="status">
            {created.length === 1 ? 'Voucher created: ' : `${created.length} vouchers created: `}
            <code>{created.map((v) => v.code).join(', ')}</code>
          </p>
        )}
        {vouchers.isPending ? (
          <Loading what="vouchers" />
        ) : items.length === 0 ? (
          <p>No vouchers yet.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Vouchers of this event</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Effect</th>
                <th scope="col">Applies to</th>
                <th scope="col">Unlocks hidden</th>
                <th scope="col" className="num">
                  Reserved
                </th>
                <th scope="col" className="num">
                  Used / uses
                </th>
                <th scope="col">Valid</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((voucher) => (
                <VoucherRow
                  key={voucher.id}
                  voucher={voucher}
                  currency={currency}
                  types={typeList}
                />
              ))}
            </tbody>
          </table>
        )}
        {vouchers.hasNextPage && (
          <button
            type="button"
            onClick={() => void vouchers.fetchNextPage()}
            disabled={vouchers.isFetchingNextPage}
          >
            {vouchers.isFetchingNextPage ? 'Loading more vouchers…' : 'Show more vouchers'}
          </button>
        )}
        <NewVoucherForm
          eventId={eventId}
          currency={currency}
          types={typeList}
          onCreated={setCreated}
        />
      </Page>
    </>
  );
}

function VoucherRow(props: { voucher: Voucher; currency: string; types: TicketType[] }) {
  const { voucher } = props;
  const queries = useQueryClient();
  const disable = useMutation(
    trpc.vouchers.disable.mutationOptions({
      onSuccess: () => queries.invalidateQueries(trpc.vouchers.list.pathFilter()),
    }),
  );
  const names = voucher.ticketTypeIds.map(
    (id) => props.types.find((t) => t.id === id)?.name ?? 'unknown type',
  );
  const from = voucher.validFrom ? when(voucher.validFrom) : 'now';
  const until = voucher.validUntil ? when(voucher.validUntil) : 'no end';
  return (
    <tr>
      <th scope="row">
        <code>{voucher.code}</code>
      </th>
      <td>{effectText(voucher.effect, props.currency)}</td>
      <td>{names.length > 0 ? names.join(', ') : 'All ticket types'}</td>
      <td>{yesNo(voucher.unlocksHidden)}</td>
      <td className="num">{voucher.reserved}</td>
      <td className="num">
        {voucher.used} / {voucher.maxUses}
      </td>
      <td>
        {from} – {until}
      </td>
      <td>{voucher.disabled ? <Tag tone="bad">disabled</Tag> : <Tag tone="ok">active</Tag>}</td>
      <td>
        {!voucher.disabled && (
          <ConfirmButton
            label={`Disable ${voucher.code}`}
            question={`Disable ${voucher.code}? It can no longer be used; bookings made with it stay.`}
            confirmLabel="Yes, disable"
            danger
            pending={disable.isPending}
            onConfirm={() => disable.mutate({ id: voucher.id })}
          />
        )}
        <ErrorNote error={disable.error} />
      </td>
    </tr>
  );
}

import type { TicketType, Voucher, VoucherEffect } from '@evently/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { trpc } from '../../api.js';
import { Field, InputField } from '../../components/ui.js';
import { attempt, FormError, TicketTypeChecklist } from './form-bits.js';
import { FormProblem, fromLocalInput, requiredAmount, requiredWhole } from './form-values.js';

const KINDS: { kind: VoucherEffect['kind']; label: string }[] = [
  { kind: 'percent', label: 'Percentage off' },
  { kind: 'amount', label: 'Amount off each ticket' },
  { kind: 'price', label: 'Fixed price per ticket' },
  { kind: 'none', label: 'No discount (access code)' },
];

interface VoucherFormValues {
  kind: VoucherEffect['kind'];
  /** The percent, or the amount / price as typed. */
  value: string;
  code: string;
  count: string;
  maxUses: string;
  validFrom: string;
  validUntil: string;
  ticketTypeIds: string[];
  unlocksHidden: boolean;
  reserved: string;
}

const EMPTY: VoucherFormValues = {
  kind: 'percent',
  value: '10',
  code: '',
  count: '1',
  maxUses: '1',
  validFrom: '',
  validUntil: '',
  ticketTypeIds: [],
  unlocksHidden: false,
  reserved: '0',
};

function effectOf(values: VoucherFormValues): VoucherEffect {
  switch (values.kind) {
    case 'percent':
      return { kind: 'percent', percent: requiredWhole(values.value, 'Percent off') };
    case 'amount':
      return { kind: 'amount', amountCents: requiredAmount(values.value, 'Amount off') };
    case 'price':
      return { kind: 'price', priceCents: requiredAmount(values.value, 'Price') };
    default:
      return { kind: 'none' };
  }
}

const VALUE_LABEL: Record<VoucherEffect['kind'], string> = {
  percent: 'Percent off',
  amount: 'Amount off',
  price: 'Price',
  none: '',
};

/** A voucher (or a batch of generated codes) for the event; tells the codes made. */
export function NewVoucherForm(props: {
  eventId: string;
  currency: string;
  types: TicketType[];
  onCreated: (vouchers: Voucher[]) => void;
}) {
  const queries = useQueryClient();
  const [values, setValues] = useState<VoucherFormValues>(EMPTY);
  const [problem, setProblem] = useState<unknown>(null);
  const create = useMutation(
    trpc.vouchers.create.mutationOptions({
      onSuccess: async (vouchers) => {
        setValues(EMPTY);
        props.onCreated(vouchers);
        await queries.invalidateQueries(trpc.vouchers.list.pathFilter());
      },
    }),
  );
  const set = (key: keyof VoucherFormValues) => (e: { target: { value: string } }) =>
    setValues({ ...values, [key]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input = attempt(() => {
      const count = requiredWhole(values.count, 'How many codes');
      const code = values.code.trim();
      if (code && count > 1) {
        throw new FormProblem('Code: leave it empty to generate several codes.');
      }
      const validFrom = fromLocalInput(values.validFrom);
      const validUntil = fromLocalInput(values.validUntil);
      return {
        eventId: props.eventId,
        effect: effectOf(values),
        count,
        maxUses: requiredWhole(values.maxUses, 'Uses per code'),
        ticketTypeIds: values.ticketTypeIds,
        unlocksHidden: values.unlocksHidden,
        reserved: requiredWhole(values.reserved, 'Reserved seats'),
        ...(code && { code }),
        ...(validFrom && { validFrom }),
        ...(validUntil && { validUntil }),
      };
    }, setProblem);
    if (input) create.mutate(input);
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-labelledby="new-voucher-heading">
      <h2 id="new-voucher-heading">New voucher</h2>
      <div className="form-grid">
        <Field label="Effect">
          {({ id }) => (
            <select
              id={id}
              value={values.kind}
              onChange={(e) => {
                const kind = KINDS.find((k) => k.kind === e.target.value)?.kind ?? 'none';
                setValues({ ...values, kind, value: kind === 'percent' ? '10' : '' });
              }}
            >
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {values.kind !== 'none' && (
          <Field
            label={VALUE_LABEL[values.kind]}
            hint={values.kind === 'percent' ? '1 to 100.' : `In ${props.currency}, e.g. 5.00.`}
          >
            {({ id, describedBy }) => (
              <input
                id={id}
                required
                inputMode={values.kind === 'percent' ? 'numeric' : 'decimal'}
                aria-describedby={describedBy}
                value={values.value}
                onChange={set('value')}
              />
            )}
          </Field>
        )}
        <InputField
          label="Code"
          hint="3 to 64 letters, digits, - or _; empty: generated."
          maxLength={64}
          autoComplete="off"
          value={values.code}
          onChange={set('code')}
        />
        <InputField
          label="How many codes"
          hint="Several are generated (leave Code empty)."
          type="number"
          min={1}
          max={1000}
          required
          value={values.count}
          onChange={set('count')}
        />
        <Field label="Uses per code">
          {({ id }) => (
            <input
              id={id}
              type="number"
              min={1}
              required
              value={values.maxUses}
              onChange={set('maxUses')}
            />
          )}
        </Field>
        <InputField
          label="Reserved seats"
          hint="Held back from public sale for its holders."
          type="number"
          min={0}
          required
          value={values.reserved}
          onChange={set('reserved')}
        />
        <InputField
          label="Valid from"
          hint="Empty: at once."
          type="datetime-local"
          value={values.validFrom}
          onChange={set('validFrom')}
        />
        <InputField
          label="Valid until"
          hint="Empty: no end (required with reserved seats)."
          type="datetime-local"
          value={values.validUntil}
          onChange={set('validUntil')}
        />
      </div>
      <TicketTypeChecklist
        legend="Ticket types it applies to"
        hint="None checked: every ticket type of the event."
        types={props.types}
        chosen={values.ticketTypeIds}
        onChange={(ticketTypeIds) => setValues({ ...values, ticketTypeIds })}
      />
      <label className="events-check">
        <input
          type="checkbox"
          checked={values.unlocksHidden}
          onChange={(e) => setValues({ ...values, unlocksHidden: e.target.checked })}
        />{' '}
        Unlocks hidden ticket types
      </label>
      <FormError error={problem ?? create.error} />
      <button type="submit" className="primary" disabled={create.isPending}>
        Create voucher
      </button>
    </form>
  );
}

import type { RouterInputs, TicketType } from '@evently/sdk';
import { Field, InputField } from '../../components/ui.js';
import {
  FormProblem,
  fromLocalInput,
  requiredAmount,
  requiredWhole,
  sameInstant,
  toAmountInput,
  toLocalInput,
  wholeOrNull,
} from './form-values.js';

/** Every field of a ticket type an organizer sets (what `ticketTypes.update` may patch). */
export type TicketTypeFieldValues = Required<RouterInputs['ticketTypes']['update']['patch']>;

/** The ticket type form as typed. */
export interface TicketTypeFormValues {
  name: string;
  description: string;
  price: string;
  minPerBooking: string;
  maxPerBooking: string;
  salesStartAt: string;
  salesEndAt: string;
  hidden: boolean;
  /** Only when creating: also makes a quota of this size for the type alone. */
  capacity: string;
}

export function emptyTicketTypeForm(): TicketTypeFormValues {
  return {
    name: '',
    description: '',
    price: '0.00',
    minPerBooking: '1',
    maxPerBooking: '10',
    salesStartAt: '',
    salesEndAt: '',
    hidden: false,
    capacity: '',
  };
}

export function ticketTypeFormOf(type: TicketType): TicketTypeFormValues {
  return {
    name: type.name,
    description: type.description,
    price: toAmountInput(type.priceCents),
    minPerBooking: String(type.minPerBooking),
    maxPerBooking: String(type.maxPerBooking),
    salesStartAt: toLocalInput(type.salesStartAt),
    salesEndAt: toLocalInput(type.salesEndAt),
    hidden: type.hidden,
    capacity: '',
  };
}

/** The fields the API takes; throws a `FormProblem` for what is not filled in right. */
export function ticketTypeFieldsOf(values: TicketTypeFormValues): TicketTypeFieldValues {
  return {
    name: values.name,
    description: values.description,
    priceCents: requiredAmount(values.price, 'Price'),
    minPerBooking: requiredWhole(values.minPerBooking, 'At least per booking'),
    maxPerBooking: requiredWhole(values.maxPerBooking, 'At most per booking'),
    salesStartAt: fromLocalInput(values.salesStartAt),
    salesEndAt: fromLocalInput(values.salesEndAt),
    hidden: values.hidden,
  };
}

/** The capacity shortcut: a whole number, or undefined when left empty. */
export function capacityOf(values: TicketTypeFormValues): number | undefined {
  const n = wholeOrNull(values.capacity);
  if (Number.isNaN(n)) throw new FormProblem('Capacity: enter a whole number, or leave it empty.');
  return n ?? undefined;
}

/** Only what differs from the stored type. */
export function ticketTypePatchOf(
  type: TicketType,
  fields: TicketTypeFieldValues,
): Partial<TicketTypeFieldValues> {
  const patch: Partial<TicketTypeFieldValues> = {};
  if (fields.name !== type.name) patch.name = fields.name;
  if (fields.description !== type.description) patch.description = fields.description;
  if (fields.priceCents !== type.priceCents) patch.priceCents = fields.priceCents;
  if (fields.minPerBooking !== type.minPerBooking) patch.minPerBooking = fields.minPerBooking;
  if (fields.maxPerBooking !== type.maxPerBooking) patch.maxPerBooking = fields.maxPerBooking;
  if (!sameInstant(fields.salesStartAt, type.salesStartAt)) {
    patch.salesStartAt = fields.salesStartAt;
  }
  if (!sameInstant(fields.salesEndAt, type.salesEndAt)) patch.salesEndAt = fields.salesEndAt;
  if (fields.hidden !== type.hidden) patch.hidden = fields.hidden;
  return patch;
}

/** The ticket type form's inputs; `withCapacity` adds the quota shortcut (creating only). */
export function TicketTypeFormFields(props: {
  values: TicketTypeFormValues;
  onChange: (values: TicketTypeFormValues) => void;
  withCapacity?: boolean;
}) {
  const { values } = props;
  const set = (key: keyof TicketTypeFormValues) => (e: { target: { value: string } }) =>
    props.onChange({ ...values, [key]: e.target.value });
  return (
    <>
      <div className="form-grid">
        <Field label="Name">
          {({ id }) => (
            <input id={id} required maxLength={120} value={values.name} onChange={set('name')} />
          )}
        </Field>
        <InputField
          label="Price"
          hint="Per ticket, e.g. 25.00; 0 for free."
          inputMode="decimal"
          required
          value={values.price}
          onChange={set('price')}
        />
        {props.withCapacity && (
          <InputField
            label="Capacity"
            hint="Optional: also makes a quota of this size for it alone."
            type="number"
            min={0}
            value={values.capacity}
            onChange={set('capacity')}
          />
        )}
        <Field label="At least per booking">
          {({ id }) => (
            <input
              id={id}
              type="number"
              min={1}
              max={100}
              required
              value={values.minPerBooking}
              onChange={set('minPerBooking')}
            />
          )}
        </Field>
        <Field label="At most per booking">
          {({ id }) => (
            <input
              id={id}
              type="number"
              min={1}
              max={100}
              required
              value={values.maxPerBooking}
              onChange={set('maxPerBooking')}
            />
          )}
        </Field>
        <InputField
          label="Sales open"
          hint="Empty: the event's."
          type="datetime-local"
          value={values.salesStartAt}
          onChange={set('salesStartAt')}
        />
        <InputField
          label="Sales close"
          hint="Empty: the event's."
          type="datetime-local"
          value={values.salesEndAt}
          onChange={set('salesEndAt')}
        />
      </div>
      <Field label="Description">
        {({ id }) => (
          <textarea
            id={id}
            rows={2}
            maxLength={2000}
            value={values.description}
            onChange={set('description')}
          />
        )}
      </Field>
      <label className="events-check">
        <input
          type="checkbox"
          checked={values.hidden}
          onChange={(e) => props.onChange({ ...values, hidden: e.target.checked })}
        />{' '}
        Hidden: sold only with a voucher that unlocks it
      </label>
    </>
  );
}

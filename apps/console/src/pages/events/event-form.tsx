import type { Event, RouterInputs } from '@evently/sdk';
import { Field, InputField } from '../../components/ui.js';
import {
  FormProblem,
  fromAmountInput,
  fromLocalInput,
  requiredAmount,
  requiredInstant,
  requiredWhole,
  sameInstant,
  toAmountInput,
  toLocalInput,
  wholeOrNull,
} from './form-values.js';

/** Every field of an event an organizer sets (what `events.update` may patch). */
export type EventFieldValues = Required<RouterInputs['events']['update']['patch']>;

/** The event form as typed: strings for the inputs, a flag for the cancellation policy. */
export interface EventFormValues {
  title: string;
  description: string;
  venue: string;
  startsAt: string;
  endsAt: string;
  capacity: string;
  price: string;
  currency: string;
  maxPerBooking: string;
  maxPerUser: string;
  salesStartAt: string;
  salesEndAt: string;
  cancelUntil: string;
  feePercent: string;
  fee: string;
}

/** A new event's form: tomorrow evening, two hours, 100 seats, free, in euros. */
export function emptyEventForm(): EventFormValues {
  const start = new Date();
  start.setDate(start.getDate() + 1);
  start.setHours(19, 0, 0, 0);
  const end = new Date(start.getTime() + 2 * 3_600_000);
  return {
    title: '',
    description: '',
    venue: '',
    startsAt: toLocalInput(start.toISOString()),
    endsAt: toLocalInput(end.toISOString()),
    capacity: '100',
    price: '0.00',
    currency: 'EUR',
    maxPerBooking: '10',
    maxPerUser: '',
    salesStartAt: '',
    salesEndAt: '',
    cancelUntil: '',
    feePercent: '',
    fee: '',
  };
}

/** The form showing a stored event. */
export function eventFormOf(event: Event): EventFormValues {
  const policy = event.cancellationPolicy;
  return {
    title: event.title,
    description: event.description,
    venue: event.venue,
    startsAt: toLocalInput(event.startsAt),
    endsAt: toLocalInput(event.endsAt),
    capacity: String(event.capacity),
    price: toAmountInput(event.priceCents),
    currency: event.currency,
    maxPerBooking: String(event.maxPerBooking),
    maxPerUser: event.maxPerUser === null ? '' : String(event.maxPerUser),
    salesStartAt: toLocalInput(event.salesStartAt),
    salesEndAt: toLocalInput(event.salesEndAt),
    cancelUntil: toLocalInput(policy?.attendeeMayCancelUntil),
    feePercent: policy?.feePercent === undefined ? '' : String(policy.feePercent),
    fee: toAmountInput(policy?.feeCents),
  };
}

function optionalWhole(text: string, label: string): number | null {
  const n = wholeOrNull(text);
  if (Number.isNaN(n)) throw new FormProblem(`${label}: enter a whole number, or leave it empty.`);
  return n;
}

/** The fields the API takes; throws a `FormProblem` for what is not filled in right. */
export function eventFieldsOf(values: EventFormValues): EventFieldValues {
  const feePercent = optionalWhole(values.feePercent, 'Cancellation fee (%)');
  const feeCents = values.fee.trim() === '' ? null : fromAmountInput(values.fee);
  if (Number.isNaN(feeCents)) throw new FormProblem('Cancellation fee: enter an amount.');
  const cancelUntil = fromLocalInput(values.cancelUntil);
  const hasPolicy = cancelUntil !== null || feePercent !== null || feeCents !== null;
  return {
    title: values.title,
    description: values.description,
    venue: values.venue,
    startsAt: requiredInstant(values.startsAt, 'Starts'),
    endsAt: requiredInstant(values.endsAt, 'Ends'),
    capacity: requiredWhole(values.capacity, 'Capacity'),
    priceCents: requiredAmount(values.price, 'Price'),
    currency: values.currency.trim().toUpperCase(),
    maxPerBooking: requiredWhole(values.maxPerBooking, 'Tickets per booking'),
    maxPerUser: optionalWhole(values.maxPerUser, 'Tickets per person'),
    salesStartAt: fromLocalInput(values.salesStartAt),
    salesEndAt: fromLocalInput(values.salesEndAt),
    cancellationPolicy: hasPolicy
      ? {
          ...(cancelUntil !== null && { attendeeMayCancelUntil: cancelUntil }),
          ...(feePercent !== null && { feePercent }),
          ...(feeCents !== null && { feeCents }),
        }
      : null,
  };
}

const INSTANTS = ['startsAt', 'endsAt', 'salesStartAt', 'salesEndAt'] as const;

/** Only the fields that differ from the stored event (instants compared as moments). */
export function eventPatchOf(event: Event, fields: EventFieldValues): Partial<EventFieldValues> {
  const patch: Partial<EventFieldValues> = {};
  const changed = <K extends keyof EventFieldValues>(key: K) => {
    patch[key] = fields[key];
  };
  for (const key of Object.keys(fields) as (keyof EventFieldValues)[]) {
    if ((INSTANTS as readonly string[]).includes(key)) {
      const k = key as (typeof INSTANTS)[number];
      if (!sameInstant(event[k], fields[k])) changed(k);
    } else if (key === 'cancellationPolicy') {
      const a = event.cancellationPolicy;
      const b = fields.cancellationPolicy;
      const same =
        (a === null && b === null) ||
        (a !== null &&
          b !== null &&
          sameInstant(a.attendeeMayCancelUntil, b.attendeeMayCancelUntil) &&
          a.feePercent === b.feePercent &&
          a.feeCents === b.feeCents);
      if (!same) changed(key);
    } else if (event[key] !== fields[key]) {
      changed(key);
    }
  }
  return patch;
}

/** The event form's inputs, each labelled. */
export function EventFormFields(props: {
  values: EventFormValues;
  onChange: (values: EventFormValues) => void;
}) {
  const { values } = props;
  const set = (key: keyof EventFormValues) => (e: { target: { value: string } }) =>
    props.onChange({ ...values, [key]: e.target.value });
  return (
    <>
      <div className="form-grid">
        <Field label="Title">
          {({ id }) => (
            <input id={id} required maxLength={200} value={values.title} onChange={set('title')} />
          )}
        </Field>
        <Field label="Venue">
          {({ id }) => (
            <input id={id} required maxLength={300} value={values.venue} onChange={set('venue')} />
          )}
        </Field>
      </div>
      <Field label="Description">
        {({ id }) => (
          <textarea
            id={id}
            rows={4}
            maxLength={10_000}
            value={values.description}
            onChange={set('description')}
          />
        )}
      </Field>
      <div className="form-grid">
        <InputField
          label="Starts"
          hint="Your local time."
          type="datetime-local"
          required
          value={values.startsAt}
          onChange={set('startsAt')}
        />
        <InputField
          label="Ends"
          hint="At most 31 days after it starts."
          type="datetime-local"
          required
          value={values.endsAt}
          onChange={set('endsAt')}
        />
        <InputField
          label="Capacity"
          hint="Seats in all."
          type="number"
          min={1}
          required
          value={values.capacity}
          onChange={set('capacity')}
        />
        <InputField
          label="Price"
          hint="Per ticket, e.g. 25.00; 0 for free."
          inputMode="decimal"
          required
          value={values.price}
          onChange={set('price')}
        />
        <InputField
          label="Currency"
          hint="Three letters, e.g. EUR, USD."
          required
          maxLength={3}
          pattern="[A-Za-z]{3}"
          value={values.currency}
          onChange={set('currency')}
        />
        <InputField
          label="Tickets per booking"
          hint="At most, in one booking."
          type="number"
          min={1}
          max={100}
          required
          value={values.maxPerBooking}
          onChange={set('maxPerBooking')}
        />
        <InputField
          label="Tickets per person"
          hint="Over all their bookings; empty: no limit."
          type="number"
          min={1}
          max={1000}
          value={values.maxPerUser}
          onChange={set('maxPerUser')}
        />
        <InputField
          label="Sales open"
          hint="Empty: as soon as it is published."
          type="datetime-local"
          value={values.salesStartAt}
          onChange={set('salesStartAt')}
        />
        <InputField
          label="Sales close"
          hint="Empty: when the event ends."
          type="datetime-local"
          value={values.salesEndAt}
          onChange={set('salesEndAt')}
        />
      </div>
      <fieldset className="events-fieldset">
        <legend>Cancellation by attendees (optional)</legend>
        <div className="form-grid">
          <InputField
            label="Attendees may cancel until"
            hint="Empty: any time."
            type="datetime-local"
            value={values.cancelUntil}
            onChange={set('cancelUntil')}
          />
          <InputField
            label="Cancellation fee (%)"
            hint="Of the booking's total kept."
            type="number"
            min={0}
            max={100}
            value={values.feePercent}
            onChange={set('feePercent')}
          />
          <InputField
            label="Cancellation fee (amount)"
            hint="A fixed amount kept, e.g. 2.50."
            inputMode="decimal"
            value={values.fee}
            onChange={set('fee')}
          />
        </div>
      </fieldset>
    </>
  );
}

import type { EventStatus, TicketType } from '@evently/sdk';
import { ErrorNote } from '../../components/ui.js';
import { FormProblem } from './form-values.js';

/** The tag tone of each event status (the word is shown with it). */
export const EVENT_STATUS_TONE: Record<EventStatus, 'ok' | 'warn' | 'bad' | 'info'> = {
  draft: 'warn',
  published: 'ok',
  cancelled: 'bad',
  completed: 'info',
};

/** A problem found before sending (its own sentence), or the API's refusal (`messageOf`). */
export function FormError({ error }: { error: unknown }) {
  if (error instanceof FormProblem) {
    return (
      <p className="note note-error" role="alert">
        {error.message}
      </p>
    );
  }
  return <ErrorNote error={error} />;
}

/**
 * Runs `build` (which reads a form and throws a `FormProblem` when it is not filled in right):
 * its result, or undefined after telling `onProblem`.
 */
export function attempt<T>(build: () => T, onProblem: (problem: unknown) => void): T | undefined {
  try {
    const value = build();
    onProblem(null);
    return value;
  } catch (error) {
    if (error instanceof FormProblem) {
      onProblem(error);
      return undefined;
    }
    throw error;
  }
}

/** Checkboxes of an event's ticket types, in a group with its legend. */
export function TicketTypeChecklist(props: {
  legend: string;
  hint?: string;
  types: TicketType[];
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  const toggle = (id: string, on: boolean) =>
    props.onChange(on ? [...props.chosen, id] : props.chosen.filter((c) => c !== id));
  return (
    <fieldset className="events-checklist">
      <legend>{props.legend}</legend>
      {props.hint && <p className="hint">{props.hint}</p>}
      {props.types.length === 0 && <p className="hint">This event has no ticket types yet.</p>}
      {props.types.map((type) => (
        <label key={type.id} className="events-check">
          <input
            type="checkbox"
            checked={props.chosen.includes(type.id)}
            onChange={(e) => toggle(type.id, e.target.checked)}
          />{' '}
          {type.name}
          {type.status === 'archived' ? ' (archived)' : ''}
        </label>
      ))}
    </fieldset>
  );
}

/** A yes/no cell in words. */
export function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

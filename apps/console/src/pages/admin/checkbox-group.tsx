import { useId } from 'react';

/** Several choices as labelled checkboxes in a fieldset (topics, scopes). */
export function CheckboxGroup<T extends string>(props: {
  legend: string;
  hint?: string;
  options: ReadonlyArray<{ value: T; label: string; description?: string }>;
  value: T[];
  onChange: (value: T[]) => void;
}) {
  const id = useId();
  const toggle = (option: T, checked: boolean) =>
    props.onChange(
      checked
        ? props.options.map((o) => o.value).filter((v) => v === option || props.value.includes(v))
        : props.value.filter((v) => v !== option),
    );
  return (
    <fieldset className="checkbox-group" aria-describedby={props.hint ? `${id}-hint` : undefined}>
      <legend>{props.legend}</legend>
      {props.hint && (
        <small id={`${id}-hint`} className="hint">
          {props.hint}
        </small>
      )}
      <ul>
        {props.options.map((option) => (
          <li key={option.value}>
            <label>
              <input
                type="checkbox"
                checked={props.value.includes(option.value)}
                onChange={(e) => toggle(option.value, e.target.checked)}
              />{' '}
              <code>{option.label}</code>
              {option.description && <span className="hint"> — {option.description}</span>}
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}

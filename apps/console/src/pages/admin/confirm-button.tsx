import { useEffect, useRef, useState } from 'react';

/**
 * A destructive action in two steps: the button asks its question in place, with the
 * confirming button focused and Cancel beside it; focus returns to the button on Cancel.
 */
export function ConfirmButton(props: {
  /** The button's word ("Remove"), and what it acts on, read by screen readers ("Ana Lee"). */
  label: string;
  subject: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [returning, setReturning] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (returning) {
      trigger.current?.focus();
      setReturning(false);
    }
  }, [asking, returning]);

  if (!asking) {
    return (
      <button
        ref={trigger}
        type="button"
        className="danger"
        disabled={props.disabled}
        onClick={() => setAsking(true)}
      >
        {props.label}
        <span className="visually-hidden"> {props.subject}</span>
      </button>
    );
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of two buttons, not a form's fieldset
    <span className="confirm" role="group" aria-label={props.question}>
      <span className="confirm-question">{props.question}</span>
      <button
        ref={yes}
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </button>
      <button
        type="button"
        onClick={() => {
          setAsking(false);
          setReturning(true);
        }}
      >
        Cancel
      </button>
    </span>
  );
}

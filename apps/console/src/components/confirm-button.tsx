import { type ReactNode, useEffect, useRef, useState } from 'react';

/**
 * An action that asks first. The button opens its question in place, with the confirming button
 * focused and "Keep it" beside it; focus returns to the button when kept. Inline in a table row,
 * or, when the question asks for more (`children`: a reason), as a small fieldset.
 */
export function ConfirmButton(props: {
  /** The button's word ("Remove"). */
  label: string;
  /** What it acts on, for screen readers, where rows repeat the label ("Ana Lee"). */
  subject?: string;
  question: string;
  confirmLabel: string;
  onConfirm: () => void;
  danger?: boolean;
  /** The button may not be pressed (another change is on its way). */
  disabled?: boolean;
  /** The confirmed change is on its way: its button waits. */
  pending?: boolean;
  /** More fields asked with the question (a reason). */
  children?: ReactNode;
  /** Whether the confirm button may be pressed (the extra fields are filled in). */
  ready?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const [returning, setReturning] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const tone = props.danger ? 'danger' : undefined;

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
        className={tone}
        disabled={props.disabled || props.pending}
        onClick={() => setAsking(true)}
      >
        {props.label}
        {props.subject && <span className="visually-hidden"> {props.subject}</span>}
      </button>
    );
  }
  const buttons = (
    <>
      <button
        ref={yes}
        type="button"
        className={tone ?? 'primary'}
        disabled={props.pending || props.ready === false}
        onClick={() => {
          // Inline, the question closes at once (the row changes); with fields, it stays while
          // the change is on its way, and the page moves on when it is done.
          if (!props.children) setAsking(false);
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
        Keep it
      </button>
    </>
  );
  if (props.children) {
    return (
      <fieldset className="confirm-panel">
        <legend>{props.question}</legend>
        {props.children}
        <div className="confirm-panel-buttons">{buttons}</div>
      </fieldset>
    );
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of two buttons, not a form's fieldset
    <span
      className={`confirm${props.danger ? '' : ' confirm-calm'}`}
      role="group"
      aria-label={props.question}
    >
      <span className="confirm-question">{props.question}</span>
      {buttons}
    </span>
  );
}

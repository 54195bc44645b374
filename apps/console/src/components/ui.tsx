import type { InputHTMLAttributes, ReactNode } from 'react';
import { useId } from 'react';
import { messageOf } from '../errors.js';

/** A page's heading and body; the heading is what screen readers land on. */
export function Page(props: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{props.title}</h1>
        {props.actions && <div className="page-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

/** An API refusal as a sentence, announced to screen readers. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="note note-error" role="alert">
      {messageOf(error)}
    </p>
  );
}

/** What is loading, said in words (not only a spinner). */
export function Loading({ what }: { what: string }) {
  return (
    <p className="note" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** A labelled input; `hint` is read with it. */
export function Field(props: {
  label: string;
  hint?: string;
  children: (ids: { id: string; describedBy: string | undefined }) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, describedBy: props.hint ? hintId : undefined })}
      {props.hint && (
        <small id={hintId} className="hint">
          {props.hint}
        </small>
      )}
    </div>
  );
}

/** A labelled `<input>`, the most common field: its attributes are the input's own. */
export function InputField({
  label,
  hint,
  ...input
}: { label: string; hint?: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field label={label} hint={hint}>
      {({ id, describedBy }) => <input id={id} aria-describedby={describedBy} {...input} />}
    </Field>
  );
}

/** A status as a coloured tag with its word (colour never carries the meaning alone). */
export function Tag({
  tone,
  children,
}: {
  tone: 'ok' | 'warn' | 'bad' | 'info';
  children: ReactNode;
}) {
  return <span className={`tag tag-${tone}`}>{children}</span>;
}

/** Money in minor units, in the currency's own format. */
export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
}

/** An instant as a reader's local date and time. */
export function when(iso: string | null | undefined): string {
  return iso
    ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : '—';
}

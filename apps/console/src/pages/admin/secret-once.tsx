import { useEffect, useId, useRef, useState } from 'react';

/**
 * A secret the API answers once (an API key, a webhook's signing secret): in a read-only field,
 * selected, with a copy button and the warning that it will not be shown again.
 */
export function SecretOnce(props: {
  title: string;
  label: string;
  secret: string;
  /** What to do with it, after the warning. */
  advice?: string;
  onDone: () => void;
}) {
  const id = useId();
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>(undefined);

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('yes');
    } catch {
      field.current?.select();
      setCopied('no');
    }
  };

  return (
    <section className="secret-once" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{props.title}</h2>
      <p id={`${id}-warning`}>
        <strong>Store it now: it will not be shown again.</strong> {props.advice}
      </p>
      <label htmlFor={id}>{props.label}</label>
      <div className="secret-row">
        <input
          id={id}
          ref={field}
          className="secret-value"
          readOnly
          value={props.secret}
          spellCheck={false}
          autoComplete="off"
          aria-describedby={`${id}-warning`}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p className="hint" role="status" aria-live="polite">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'no' &&
          'This browser did not allow copying: the secret is selected, press Ctrl+C (⌘C on a Mac).'}
      </p>
      <button type="button" className="primary" onClick={props.onDone}>
        I have stored it
      </button>
    </section>
  );
}

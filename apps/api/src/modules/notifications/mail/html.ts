import escapeHtml from 'escape-html';

/** HTML that is already safe to insert: built by `html` or the layout, never from raw input. */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

type HtmlValue = SafeHtml | string | number | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (typeof value === 'string' || typeof value === 'number') return escapeHtml(String(value));
  return value.map(render).join('');
}

/**
 * Tagged template for mail HTML: every interpolated value is escaped with escape-html unless it
 * is already SafeHtml, so a template cannot forget to escape a user-supplied name or address.
 * Values go into element content or double-quoted attributes only (never `<style>`/`<script>`).
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

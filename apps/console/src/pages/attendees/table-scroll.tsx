import type { ReactNode } from 'react';

/**
 * A wide table that scrolls sideways on a narrow screen; the scrolling area takes focus so the
 * keyboard can scroll it too, and is named after its table.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling area must be reachable by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}

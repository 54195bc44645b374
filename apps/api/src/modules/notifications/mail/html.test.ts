import { describe, expect, it } from 'vitest';
import { html, SafeHtml } from './html.js';

describe('html', () => {
  it('escapes every interpolated string, number and list item', () => {
    const name = `<script>alert(1)</script> & "Bob" 'O'`;
    const out = html`<p title="${name}">${name} ${42} ${[name, '<b>']}</p>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(out.value).not.toContain('<script>');
    expect(out.value).not.toContain('<b>');
    expect(out.value).toBe(
      '<p title="&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot; &#39;O&#39;">' +
        '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot; &#39;O&#39; 42 ' +
        '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot; &#39;O&#39;&lt;b&gt;</p>',
    );
  });

  it('inserts SafeHtml fragments as they are, without escaping them twice', () => {
    const inner = html`<em>${'a & b'}</em>`;
    expect(html`<p>${inner}${[inner]}</p>`.value).toBe(
      '<p><em>a &amp; b</em><em>a &amp; b</em></p>',
    );
  });
});

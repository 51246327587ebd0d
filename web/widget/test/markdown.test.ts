import { describe, expect, it } from 'vitest';
import { inline, renderMarkdown, safeUrl } from '../src/markdown';

function html(md: string): string {
  const div = document.createElement('div');
  div.append(renderMarkdown(md));
  return div.innerHTML;
}

describe('safe markdown', () => {
  it('renders HTML in the text as text, never as elements', () => {
    const div = document.createElement('div');
    div.append(renderMarkdown('Look: <img src=x onerror=alert(1)> and <script>alert(2)</script>'));
    expect(div.querySelector('img')).toBeNull();
    expect(div.querySelector('script')).toBeNull();
    expect(div.textContent).toBe('Look: <img src=x onerror=alert(1)> and <script>alert(2)</script>');
  });

  it('refuses javascript:, data: and relative links but keeps their words', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<b>x</b>', '/relative', 'vbscript:x']) {
      const div = document.createElement('div');
      div.append(...inline(`[click me](${url})`));
      expect(div.querySelector('a'), url).toBeNull();
      expect(div.textContent).toBe('click me');
    }
  });

  it('opens http, https and mailto links in a new tab without an opener', () => {
    const div = document.createElement('div');
    div.append(...inline('See [the guide](https://example.com/a?b=1), https://example.com/x. or [mail](mailto:help@example.com)'));
    const links = [...div.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual([
      'https://example.com/a?b=1',
      'https://example.com/x',
      'mailto:help@example.com',
    ]);
    for (const a of links) {
      expect(a.target).toBe('_blank');
      expect(a.rel).toContain('noopener');
    }
    // Trailing punctuation is not part of a bare URL.
    expect(div.textContent).toContain('https://example.com/x. or');
  });

  it('does not nest a link inside a link', () => {
    const div = document.createElement('div');
    div.append(...inline('[go to https://evil.example](https://good.example)'));
    expect(div.querySelectorAll('a')).toHaveLength(1);
    expect(div.querySelector('a')!.getAttribute('href')).toBe('https://good.example/');
  });

  it('renders lists, code, emphasis, quotes and source markers', () => {
    expect(html('Steps:\n- one\n- **two**\n\n1. a\n2. b')).toBe(
      '<p>Steps:</p><ul><li>one</li><li><strong>two</strong></li></ul><ol><li>a</li><li>b</li></ol>',
    );
    expect(html('```\n<b>x</b>\n```')).toBe('<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>');
    expect(html('use `rm -rf` *carefully* [1]')).toBe('<p>use <code>rm -rf</code> <em>carefully</em> <sup>1</sup></p>');
    expect(html('> quoted\n> twice')).toBe('<blockquote>quoted<br>twice</blockquote>');
    expect(html('# Title\nline one\nline two')).toBe('<p><strong>Title</strong></p><p>line one<br>line two</p>');
  });

  it('leaves snake_case, dunder names and lone asterisks alone', () => {
    expect(html('order_id and 2 * 3 * 4')).toBe('<p>order_id and 2 * 3 * 4</p>');
    expect(html('window.__a=1 and window.__b=2')).toBe('<p>window.__a=1 and window.__b=2</p>');
  });

  it('safeUrl accepts only absolute http(s) and mailto', () => {
    expect(safeUrl('https://a.example/')).toBe('https://a.example/');
    expect(safeUrl(' javascript:alert(1)')).toBeNull();
    expect(safeUrl('//a.example')).toBeNull();
  });
});

describe('links with parentheses', () => {
  it('keeps one level of balanced parentheses in a URL', () => {
    const div = document.createElement('div');
    div.append(...inline('[wiki](https://en.wikipedia.org/wiki/Tent_(camping)) done'));
    expect(div.querySelector('a')!.getAttribute('href')).toBe('https://en.wikipedia.org/wiki/Tent_(camping)');
    expect(div.textContent).toBe('wiki done');
  });
});

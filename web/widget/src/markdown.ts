/**
 * A small, safe Markdown renderer for chat messages. Answers quote the business's documents
 * and agents type freely, so message text is untrusted: it is only ever turned into DOM nodes
 * with `textContent`, never parsed as HTML. `<img onerror=…>` comes out as those characters.
 *
 * Supported: paragraphs and line breaks, `-`/`*`/`1.` lists, `>` quotes, fenced code,
 * `#` headings (shown bold), inline code, [1] source markers, **bold**, *italic*, [links](https://…) and bare
 * http(s) URLs. Links go only to http, https and mailto, and open in a new tab.
 */

/** The URL if it is absolute http(s) or mailto, else null (no `javascript:`, `data:`, relative). */
export function safeUrl(raw: string): string | null {
  try {
    const url = new URL(raw.trim());
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.append(...children);
  return e;
}

function link(href: string, text: Node[]): HTMLAnchorElement {
  const a = el('a', ...text);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}

// One alternation, tried left to right at each position: code, [text](url), bold, italic,
// bare URL, and a model's source marker [n] (shown small, the sources are listed below).
const INLINE =
  /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)|\[(\d{1,2})\](?!\()|\[([^\]\n]+)\]\(\s*((?:[^\s()]|\([^\s()]*\))+)(?:\s+"[^"]*")?\s*\)|\*\*(?=\S)([\s\S]*?\S)\*\*|(?<!\w)__(?=\S)([\s\S]*?\S)__(?!\w)|\*(?=[^\s*])([\s\S]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)|(https?:\/\/[^\s<>]*[^\s<>.,;:!?'")\]])/g;

/** Inline Markdown to nodes. `links` is false inside a link's own text (no nested anchors). */
export function inline(text: string, links = true): Node[] {
  const out: Node[] = [];
  let last = 0;
  const re = new RegExp(INLINE.source, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const [whole, , code, ref, label, href, bold1, bold2, em1, em2, bare] = m;
    let node: Node | null = null;
    if (code !== undefined) node = el('code', document.createTextNode(code));
    else if (ref !== undefined) node = el('sup', document.createTextNode(ref));
    else if (label !== undefined) {
      const url = links ? safeUrl(href) : null;
      // An unsafe link keeps its words and loses its target.
      node = url ? link(url, inline(label, false)) : el('span', ...inline(label, false));
    } else if (bold1 !== undefined || bold2 !== undefined) node = el('strong', ...inline(bold1 ?? bold2, links));
    else if (em1 !== undefined || em2 !== undefined) node = el('em', ...inline(em1 ?? em2, links));
    else if (bare !== undefined && links) {
      const url = safeUrl(bare);
      if (url) node = link(url, [document.createTextNode(bare)]);
    }
    if (!node) continue;
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push(node);
    last = m.index + whole.length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

/** Lines joined with `<br>`, each rendered inline. */
function lines(ls: string[]): Node[] {
  const out: Node[] = [];
  ls.forEach((l, i) => {
    if (i) out.push(el('br'));
    out.push(...inline(l));
  });
  return out;
}

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const NUMBERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

/** Block Markdown to a fragment of safe DOM nodes. */
export function renderMarkdown(source: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  const src = source.replace(/\r\n?/g, '\n').split('\n');
  let i = 0;
  while (i < src.length) {
    const line = src[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < src.length && !src[i].trim().startsWith(fence[1]); i++) body.push(src[i]);
      i++; // the closing fence (or the end)
      frag.append(el('pre', el('code', document.createTextNode(body.join('\n')))));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      frag.append(el('p', el('strong', ...inline(heading[1]))));
      i++;
      continue;
    }
    const list = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (list) {
      const ol = list === NUMBERED;
      const items = el(ol ? 'ol' : 'ul');
      if (ol) {
        const first = parseInt(line, 10);
        if (first !== 1) (items as HTMLOListElement).start = first;
      }
      while (i < src.length && src[i].trim()) {
        const item = list.exec(src[i]);
        if (item) items.append(el('li', ...inline(item[1])));
        // A continuation line belongs to the item above it.
        else items.lastElementChild?.append(el('br'), ...inline(src[i].trim()));
        i++;
      }
      frag.append(items);
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      for (; i < src.length && QUOTE.test(src[i]); i++) body.push(QUOTE.exec(src[i])![1]);
      frag.append(el('blockquote', ...lines(body)));
      continue;
    }
    const para: string[] = [];
    for (; i < src.length && src[i].trim() && !FENCE.test(src[i]) && !BULLET.test(src[i]) && !NUMBERED.test(src[i]); i++) {
      para.push(src[i]);
    }
    frag.append(el('p', ...lines(para)));
  }
  return frag;
}

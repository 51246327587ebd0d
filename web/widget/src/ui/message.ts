/** One message bubble: who said it, the text, images and sources. */
import { renderMarkdown, safeUrl } from '../markdown';
import { strings } from '../strings';
import type { Attachment, Citation, ImageAttachment, Message, Role } from '../types';
import { formatTime, h, icon, ICONS } from './dom';

export interface MessageContext {
  botName: string;
  /** Resolves an attachment's server-relative URL against the API origin. */
  resolve(url: string): string;
}

/** Who wrote it, as a screen reader says it: an agent by name, never by role when the name is known. */
function speaker(role: Role, ctx: MessageContext, name?: string | null): string {
  if (role === 'agent') return name || strings.agent;
  return role === 'visitor' ? strings.you : role === 'system' ? strings.system : ctx.botName;
}

/** A bubble shell; `fill` puts the text in (markdown for the team's words, plain for the visitor's). */
export function bubble(role: Role, ctx: MessageContext, name?: string | null): { el: HTMLElement; body: HTMLElement } {
  const body = h('div', { class: 'body' });
  const el = h('div', { class: `m ${role}` }, h('span', { class: 'sr' }, `${speaker(role, ctx, name)}: `), body);
  return { el, body };
}

export function fillText(body: HTMLElement, role: Role, text: string): void {
  body.textContent = '';
  if (role === 'visitor') {
    // What the visitor typed is shown as typed: no formatting surprises.
    body.append(h('p', {}, text));
  } else {
    body.append(renderMarkdown(text));
  }
}

/** The first letter of a name, for an agent without an avatar. */
export function initial(name: string): string {
  return (Array.from(name.trim())[0] ?? '?').toUpperCase();
}

/** An agent's name with their avatar (or initial) above their bubble; screen readers get the name from the bubble. */
function authorLine(m: Message, ctx: MessageContext): HTMLElement | null {
  const name = m.author?.name?.trim();
  if (m.role !== 'agent' || !name) return null;
  const src = m.author?.avatar_url ? safeUrl(ctx.resolve(m.author.avatar_url)) : null;
  const face = src ? h('img', { class: 'face', src, alt: '' }) : h('span', { class: 'face' }, initial(name));
  return h('div', { class: 'who', 'aria-hidden': 'true' }, face, h('span', {}, name));
}

/** One source: a document (or FAQ) and the passages of it an answer cited. */
export interface Source {
  title: string;
  /** A safe http(s) link to the document, when it was uploaded with one. */
  url: string | null;
  passages: { heading: string; quote: string }[];
}

/**
 * An answer's sources, one per document: citations with the same `document_id`, or the same
 * title (an FAQ, or a document cited without its id), become one, keeping each distinct
 * passage for the quote box. In the order first cited.
 */
export function sources(list: Citation[]): Source[] {
  const out: Source[] = [];
  const byId = new Map<string, Source>();
  const byTitle = new Map<string, Source>();
  for (const c of list) {
    if (!c || typeof c.title !== 'string') continue;
    const title = c.title.trim();
    const id = c.document_id || null;
    let s = (id && byId.get(id)) || byTitle.get(title);
    if (!s) {
      s = { title, url: null, passages: [] };
      out.push(s);
    }
    byTitle.set(title, s);
    if (id) byId.set(id, s);
    s.url ??= c.url ? safeUrl(c.url) : null;
    const heading = c.heading?.trim() ?? '';
    const quote = c.quote?.trim() ?? '';
    if ((heading || quote) && !s.passages.some((p) => p.heading === heading && p.quote === quote)) s.passages.push({ heading, quote });
  }
  return out;
}

let boxes = 0;

/**
 * The sources under an answer: a chip per document. A chip with a link opens it in a new tab;
 * one without opens its quoted passages in a small box under the chips (one box per answer,
 * the chip says whether it is open).
 */
export function citations(list: Citation[]): HTMLElement | null {
  const found = sources(list);
  if (!found.length) return null;
  const boxId = `pw-quote-${++boxes}`;
  const box = h('div', { class: 'quote', id: boxId, hidden: true });
  const chips: HTMLButtonElement[] = [];
  const items = found.map((s) => {
    const label = s.title || strings.sources;
    const content = [icon(...ICONS.doc), h('span', {}, label)];
    let chip: HTMLElement;
    if (s.url) {
      chip = h('a', { href: s.url, target: '_blank', rel: 'noopener noreferrer', class: 'chip' }, ...content);
    } else if (s.passages.length) {
      const b = h('button', { type: 'button', class: 'chip', 'aria-expanded': 'false', 'aria-controls': boxId }, ...content);
      b.addEventListener('click', () => {
        const open = b.getAttribute('aria-expanded') !== 'true';
        chips.forEach((c) => c.setAttribute('aria-expanded', 'false'));
        b.setAttribute('aria-expanded', String(open));
        box.hidden = !open;
        box.replaceChildren(
          ...s.passages.map((p) => h('div', { class: 'passage' }, p.heading && h('p', { class: 'ph' }, p.heading), p.quote && h('p', {}, p.quote))),
        );
        // Under the last answer the box opens below the log's visible end: bring it into
        // view, or the chip seems to do nothing.
        if (open) box.scrollIntoView({ block: 'nearest' });
      });
      chips.push(b);
      chip = b;
    } else {
      chip = h('span', { class: 'chip' }, ...content);
    }
    chip.title = label;
    return h('li', {}, chip);
  });
  const ul = h('ul', { class: 'cites', 'aria-label': strings.sources }, ...items);
  return chips.length ? h('div', { class: 'src' }, ul, box) : ul;
}

function isImage(a: Attachment): a is ImageAttachment {
  return a.kind === 'image' && typeof (a as ImageAttachment).url === 'string';
}

/** Whether a message asks the visitor to rate the conversation (the notice a resolve posts). */
export function asksRating(m: Message): boolean {
  return m.role === 'system' && (m.rating_request === true || !!m.attachments?.some((a) => a.kind === 'rating_request'));
}

function image(a: ImageAttachment, ctx: MessageContext): HTMLElement | null {
  const src = safeUrl(ctx.resolve(a.url));
  if (!src) return null;
  const img = h('img', { src, alt: strings.imageAlt(a.name), loading: 'lazy', decoding: 'async' });
  return h('a', { href: src, target: '_blank', rel: 'noopener noreferrer', class: 'att', 'data-image': a.image_id }, img);
}

/** A stored message, ready to insert; `data-id` lets live updates find (and skip) it. */
export function renderMessage(m: Message, ctx: MessageContext): HTMLElement {
  const { el, body } = bubble(m.role, ctx, m.author?.name);
  el.dataset.id = m.id;
  const time = formatTime(m.created_at);
  if (time) el.title = time;
  const who = authorLine(m, ctx);
  if (who) el.insertBefore(who, body);
  const images = (m.attachments ?? []).filter(isImage);
  for (const a of images) {
    const img = image(a, ctx);
    if (img) body.before(img);
  }
  if (m.text || !images.length) fillText(body, m.role, m.text);
  else body.remove();
  const cites = citations(Array.isArray(m.citations) ? m.citations : []);
  if (cites) el.append(cites);
  return el;
}

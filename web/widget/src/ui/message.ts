/** One message bubble: who said it (for screen readers), the text, images and sources. */
import { renderMarkdown, safeUrl } from '../markdown';
import { strings } from '../strings';
import type { Attachment, Citation, Message, Role } from '../types';
import { formatTime, h, icon, ICONS } from './dom';

export interface MessageContext {
  botName: string;
  /** Resolves an attachment's server-relative URL against the API origin. */
  resolve(url: string): string;
}

function speaker(role: Role, ctx: MessageContext): string {
  return role === 'visitor' ? strings.you : role === 'agent' ? strings.agent : role === 'system' ? strings.system : ctx.botName;
}

/** A bubble shell; `fill` puts the text in (markdown for the team's words, plain for the visitor's). */
export function bubble(role: Role, ctx: MessageContext): { el: HTMLElement; body: HTMLElement } {
  const body = h('div', { class: 'body' });
  const el = h('div', { class: `m ${role}` }, h('span', { class: 'sr' }, `${speaker(role, ctx)}: `), body);
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

function citationChip(c: Citation): HTMLElement {
  const label = [c.title, c.heading].filter(Boolean).join(' · ') || strings.sources;
  const url = c.url ? safeUrl(c.url) : null;
  const content = [icon(...ICONS.doc), h('span', {}, label)];
  const chip = url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'chip' }) : h('span', { class: 'chip' });
  chip.append(...content);
  chip.title = label;
  return h('li', {}, chip);
}

/** Sources, once each (an answer may quote the same document's passage twice). */
export function citations(list: Citation[]): HTMLElement | null {
  const seen = new Set<string>();
  const unique = list.filter((c) => {
    const key = `${c.title}|${c.heading}|${c.url}`;
    return !seen.has(key) && !!seen.add(key);
  });
  if (!unique.length) return null;
  return h('ul', { class: 'cites', 'aria-label': strings.sources }, ...unique.map(citationChip));
}

function image(a: Attachment, ctx: MessageContext): HTMLElement | null {
  if (a.kind !== 'image') return null;
  const src = safeUrl(ctx.resolve(a.url));
  if (!src) return null;
  const img = h('img', { src, alt: strings.imageAlt(a.name), loading: 'lazy', decoding: 'async' });
  return h('a', { href: src, target: '_blank', rel: 'noopener noreferrer', class: 'att' }, img);
}

/** A stored message, ready to insert; `data-id` lets live updates find (and skip) it. */
export function renderMessage(m: Message, ctx: MessageContext): HTMLElement {
  const { el, body } = bubble(m.role, ctx);
  el.dataset.id = m.id;
  const time = formatTime(m.created_at);
  if (time) el.title = time;
  for (const a of m.attachments ?? []) {
    const img = image(a, ctx);
    if (img) body.before(img);
  }
  if (m.text || !m.attachments?.length) fillText(body, m.role, m.text);
  else body.remove();
  const cites = citations(Array.isArray(m.citations) ? m.citations : []);
  if (cites) el.append(cites);
  return el;
}

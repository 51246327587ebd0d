/**
 * The Chat tab as a view: the transcript (an ARIA live log), the typing indicator, the
 * network status line and the composer with image attach, paste and drop. It knows nothing
 * about the network; the widget drives it.
 */
import { firstFile, imageProblem, IMAGE_TYPES } from '../images';
import { strings } from '../strings';
import type { Message } from '../types';
import { h, icon, ICONS } from './dom';
import { bubble, fillText, renderMessage, type MessageContext } from './message';

export interface ChatCallbacks {
  /** The visitor pressed Send; `file` is an already-checked image or null, `purpose` what
   *  the visitor said it is for ('' to let the bot infer it). */
  send(text: string, file: File | null, purpose: string): void;
}

/** A bot answer being streamed in, token by token. */
export interface ReplyStream {
  append(text: string): void;
  /** Replaces the streamed text with the stored message (citations included). */
  finish(m: Message): void;
  /** The stream broke: drop the partial answer. */
  fail(): void;
}

export class ChatView {
  readonly el: HTMLElement;
  readonly input: HTMLTextAreaElement;
  private readonly log: HTMLElement;
  private readonly typingEl: HTMLElement;
  private readonly statusEl: HTMLElement;
  private readonly errorEl: HTMLElement;
  private readonly preview: HTMLElement;
  private readonly picker: HTMLInputElement;
  private file: File | null = null;
  private previewUrl: string | null = null;
  private purpose: HTMLSelectElement | null = null;
  /** Whether new content scrolls into view: the visitor is at the end, or just sent something. */
  private pinned = true;
  /** Where the log was scrolled to automatically last; scrolling above it unpins. */
  private autoTop = 0;
  private ratingEl: HTMLElement | null = null;

  constructor(
    private readonly ctx: MessageContext,
    private readonly on: ChatCallbacks,
  ) {
    this.log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': strings.transcript, tabindex: 0 });
    this.typingEl = h(
      'div',
      { class: 'typing', role: 'status', hidden: true },
      h('span', { class: 'sr' }, strings.typing(ctx.botName)),
      h('i', { 'aria-hidden': 'true' }),
      h('i', { 'aria-hidden': 'true' }),
      h('i', { 'aria-hidden': 'true' }),
    );
    this.statusEl = h('div', { class: 'status', role: 'status' });
    this.errorEl = h('div', { class: 'error', role: 'alert' });
    this.preview = h('div', { class: 'preview', hidden: true });
    this.input = h('textarea', { rows: 1, 'aria-label': strings.messageLabel, placeholder: strings.placeholder, maxlength: 4000 });
    this.picker = h('input', { type: 'file', accept: IMAGE_TYPES.join(','), hidden: true, tabindex: -1 });
    const attach = h('button', { type: 'button', class: 'icon', 'aria-label': strings.attach, title: strings.attach }, icon(...ICONS.clip));
    const send = h('button', { type: 'submit', class: 'icon send', 'aria-label': strings.send, title: strings.send }, icon(...ICONS.send));
    const form = h('form', { class: 'composer' }, this.preview, h('div', { class: 'row' }, attach, this.input, send), this.picker);
    const drop = h('div', { class: 'drop', 'aria-hidden': 'true' }, strings.dropHere);
    this.el = h('div', { class: 'chat' }, this.log, this.typingEl, this.statusEl, this.errorEl, form, drop);

    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.grow());
    // At the end pins; only moving up from where the log was last put unpins. (Content that
    // grows under a pinned log, or our own scrolling, must not count as the visitor leaving.)
    this.log.addEventListener('scroll', () => {
      const top = this.log.scrollTop;
      if (this.log.scrollHeight - top - this.log.clientHeight < 80) {
        this.pinned = true;
        this.autoTop = top;
      } else if (top < this.autoTop - 1) {
        this.pinned = false;
      }
    });
    this.input.addEventListener('paste', (e) => {
      const file = firstFile(e.clipboardData);
      if (file) {
        e.preventDefault();
        this.attach(file);
      }
    });
    attach.addEventListener('click', () => this.picker.click());
    this.picker.addEventListener('change', () => {
      const file = this.picker.files?.[0];
      if (file) this.attach(file);
      this.picker.value = '';
    });
    this.dropTarget(drop);
  }

  /** Drag-and-drop onto the whole tab; a counter because dragenter/leave fire per child. */
  private dropTarget(overlay: HTMLElement): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
    this.el.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      overlay.classList.add('on');
    });
    this.el.addEventListener('dragover', (e) => {
      if (hasFiles(e)) e.preventDefault();
    });
    this.el.addEventListener('dragleave', () => {
      if (--depth <= 0) {
        depth = 0;
        overlay.classList.remove('on');
      }
    });
    this.el.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      overlay.classList.remove('on');
      const file = firstFile(e.dataTransfer);
      if (file) this.attach(file);
    });
  }

  /** Checks an image and shows it above the input until sent or removed. */
  attach(file: File): void {
    const problem = imageProblem(file);
    this.error(problem);
    if (problem) return;
    this.clearAttachment();
    this.file = file;
    this.previewUrl = URL.createObjectURL(file);
    const remove = h('button', { type: 'button', class: 'icon', 'aria-label': strings.removeImage, title: strings.removeImage }, icon(...ICONS.close));
    remove.addEventListener('click', () => {
      this.clearAttachment();
      this.input.focus();
    });
    // What the photo is for picks its analysis (a return's condition, an invoice's fields...).
    this.purpose = h('select', { 'aria-label': strings.purpose, title: strings.purpose }, ...strings.purposes.map(([v, t]) => h('option', { value: v }, t)));
    this.preview.append(h('img', { src: this.previewUrl, alt: strings.imageAlt(file.name) }), h('span', {}, file.name), this.purpose, remove);
    this.preview.hidden = false;
    this.input.focus();
  }

  private clearAttachment(): void {
    if (this.previewUrl) URL.revokeObjectURL(this.previewUrl);
    this.file = null;
    this.purpose = null;
    this.previewUrl = null;
    this.preview.textContent = '';
    this.preview.hidden = true;
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text && !this.file) return;
    this.on.send(text, this.file, this.purpose?.value ?? '');
    this.clearAttachment();
    this.input.value = '';
    this.grow();
    this.error(null);
  }

  private grow(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 120)}px`;
  }

  /** Empties the transcript and shows the bot's greeting (not a stored message). */
  reset(greeting: string): void {
    this.log.textContent = '';
    this.ratingEl = null;
    this.pinned = true;
    this.autoTop = 0;
    if (greeting) {
      const { el, body } = bubble('bot', this.ctx);
      el.classList.add('greeting');
      fillText(body, 'bot', greeting);
      this.log.append(el);
    }
  }

  has(id: string): boolean {
    return !!this.log.querySelector(`[data-id="${CSS.escape(id)}"]`);
  }

  /** Appends a stored message unless it is already shown. */
  add(m: Message): void {
    if (this.has(m.id)) return;
    this.append(renderMessage(m, this.ctx));
    if (m.analysis?.summary) this.summarize(m.analysis.image_id, m.analysis.summary);
  }

  /** Shows what the bot read from an image in a line under every copy of it. */
  private summarize(imageId: string, summary: string): void {
    this.log.querySelectorAll(`[data-image="${CSS.escape(imageId)}"]`).forEach((a) => {
      let line = a.nextElementSibling;
      if (!line?.classList.contains('sum')) a.after((line = h('div', { class: 'sum' })));
      line.textContent = summary;
    });
  }

  /** A visitor message not confirmed yet, with its status line. */
  pending(clientId: string, text: string, status: string, imageUrl: string | null = null): void {
    const { el, body } = bubble('visitor', this.ctx);
    el.dataset.cid = clientId;
    el.classList.add('pending');
    if (imageUrl) body.before(h('img', { src: imageUrl, alt: '', class: 'att' }));
    if (text) fillText(body, 'visitor', text);
    el.append(h('div', { class: 'st' }, status));
    // The visitor just sent it: show it, even if they had scrolled up.
    this.append(el, true);
  }

  pendingStatus(clientId: string, status: string): void {
    const st = this.pendingEl(clientId)?.querySelector('.st');
    if (st) st.textContent = status;
  }

  /** The server stored it: show the stored message in the pending one's place. */
  confirm(clientId: string, m: Message): void {
    const el = this.pendingEl(clientId);
    if (!el) return this.add(m);
    el.querySelectorAll('img').forEach((img) => img.src.startsWith('blob:') && URL.revokeObjectURL(img.src));
    const stored = renderMessage(m, this.ctx);
    el.replaceWith(stored);
    this.settle(stored);
  }

  /** It can't be sent (rejected by the server): say so on the bubble. */
  reject(clientId: string, reason: string): void {
    const el = this.pendingEl(clientId);
    el?.classList.replace('pending', 'failed');
    this.pendingStatus(clientId, `${strings.failed} ${reason}`);
  }

  private pendingEl(clientId: string): HTMLElement | null {
    return this.log.querySelector(`[data-cid="${CSS.escape(clientId)}"]`);
  }

  reply(): ReplyStream {
    const { el, body } = bubble('bot', this.ctx);
    let text = '';
    // Screen readers wait for the whole answer instead of reading every token.
    this.log.setAttribute('aria-busy', 'true');
    this.typing(false);
    this.append(el);
    const done = () => this.log.removeAttribute('aria-busy');
    return {
      append: (t) => {
        text += t;
        fillText(body, 'bot', text);
        this.follow();
      },
      finish: (m) => {
        done();
        if (this.has(m.id)) return el.remove();
        const stored = renderMessage(m, this.ctx);
        el.replaceWith(stored);
        this.settle(stored);
      },
      fail: () => {
        done();
        el.remove();
      },
    };
  }

  /** A line from the system (handoff, interrupted answer), not from a person. */
  notice(text: string): void {
    this.append(h('div', { class: 'm system' }, h('div', { class: 'body' }, h('p', {}, text))));
  }

  typing(on: boolean): void {
    this.typingEl.hidden = !on;
    if (on) {
      this.pinned = true;
      this.follow();
    }
  }

  /**
   * Shows `card` under the message `afterId` (the rating request), in place of the card shown
   * before; null (or a message not shown) just removes that one.
   */
  rating(card: HTMLElement | null, afterId?: string): void {
    const at = card && afterId ? this.log.querySelector(`[data-id="${CSS.escape(afterId)}"]`) : null;
    if (card && at && at.nextElementSibling === card) return;
    this.ratingEl?.remove();
    this.ratingEl = null;
    if (!card || !at) return;
    at.after(card);
    this.ratingEl = card;
    this.settle(card);
  }

  status(text: string | null): void {
    this.statusEl.textContent = text ?? '';
  }

  error(text: string | null): void {
    this.errorEl.textContent = text ?? '';
  }

  private append(el: HTMLElement, force = false): void {
    this.log.append(el);
    if (force) this.pinned = true;
    this.settle(el);
  }

  /**
   * `el` just went in: follow it, and again whenever one of its images loads, since only
   * then is its final height known (an image sent a moment ago is a 0-pixel box until then).
   */
  private settle(el: HTMLElement): void {
    this.follow();
    el.querySelectorAll('img').forEach((img) => !img.complete && img.addEventListener('load', () => this.follow(), { once: true }));
  }

  /**
   * Scrolls to the end unless the visitor scrolled up to read. Call it when the log becomes
   * visible too: a hidden log has no height to scroll.
   */
  follow(): void {
    if (!this.pinned) return;
    this.log.scrollTop = this.log.scrollHeight;
    this.autoTop = this.log.scrollTop;
  }
}

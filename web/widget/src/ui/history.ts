/** The History tab: the visitor's past conversations, searchable by words and dates. */
import { historyQuery, type HistoryForm } from '../history';
import type { HistoryFilter } from '../api';
import { strings } from '../strings';
import type { Conversation } from '../types';
import { formatTime, h } from './dom';

export interface HistoryCallbacks {
  /** Fetches the list; rejects with the reason to show. */
  load(filter: HistoryFilter): Promise<Conversation[]>;
  resume(id: string): void;
  fresh(): void;
  current(): string | undefined;
}

export class HistoryView {
  readonly el: HTMLElement;
  readonly search: HTMLInputElement;
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly state: HTMLElement;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Answers to older requests are ignored when a newer one was made. */
  private seq = 0;

  constructor(private readonly cb: HistoryCallbacks) {
    this.search = h('input', { type: 'search', 'aria-label': strings.historySearch, placeholder: strings.historySearch });
    this.from = h('input', { type: 'date', id: 'pw-from' });
    this.to = h('input', { type: 'date', id: 'pw-to' });
    const fresh = h('button', { type: 'button', class: 'new' }, strings.newConversation);
    fresh.addEventListener('click', () => cb.fresh());
    this.list = h('ul', { class: 'list', 'aria-label': strings.tabHistory });
    this.state = h('p', { class: 'empty', role: 'status' });
    this.el = h(
      'div',
      { class: 'history' },
      h(
        'div',
        { class: 'tools' },
        this.search,
        h('div', { class: 'dates' }, h('label', { for: 'pw-from' }, strings.historyFrom, this.from), h('label', { for: 'pw-to' }, strings.historyTo, this.to)),
        fresh,
      ),
      this.state,
      this.list,
    );
    this.search.addEventListener('input', () => this.later());
    this.from.addEventListener('change', () => this.refresh());
    this.to.addEventListener('change', () => this.refresh());
  }

  /** Typing waits for a pause before asking the server. */
  private later(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 250);
  }

  async refresh(): Promise<void> {
    const form: HistoryForm = { text: this.search.value, from: this.from.value, to: this.to.value };
    const seq = ++this.seq;
    this.state.textContent = strings.historyLoading;
    let items: Conversation[];
    try {
      items = await this.cb.load(historyQuery(form));
    } catch (e) {
      if (seq !== this.seq) return;
      this.list.textContent = '';
      this.state.textContent = e instanceof Error ? e.message : strings.historyError;
      return;
    }
    if (seq !== this.seq) return;
    this.state.textContent = items.length ? '' : strings.historyEmpty;
    this.list.textContent = '';
    const current = this.cb.current();
    for (const c of items) {
      const b = h(
        'button',
        { type: 'button', class: 'item', 'aria-current': c.id === current ? 'true' : false },
        h('span', { class: 'q' }, c.preview || strings.noPreview),
        h(
          'span',
          { class: 'meta' },
          h('time', { datetime: c.last_message_at }, formatTime(c.last_message_at)),
          ` · ${strings.historyMessages(c.message_count)}`,
          c.id === current ? ` · ${strings.historyCurrent}` : '',
        ),
      );
      b.addEventListener('click', () => this.cb.resume(c.id));
      this.list.append(h('li', {}, b));
    }
  }
}

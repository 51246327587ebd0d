/**
 * The History tab: the visitor's past conversations (this browser's, and the verified
 * email's when the host page proved it), searchable by words and dates.
 */
import { historyQuery, type HistoryForm } from '../history';
import type { HistoryFilter } from '../api';
import { strings } from '../strings';
import type { Conversation } from '../types';
import { formatTime, h } from './dom';

/**
 * What the History tab can list: nothing yet (no conversation was started in this browser,
 * so there is no session to ask with), this browser's conversations, or also the verified
 * email's from other browsers.
 */
export interface HistoryResult {
  scope: 'none' | 'browser' | 'email';
  items: Conversation[];
}

export interface HistoryCallbacks {
  /** Fetches the list; rejects with the reason to show. */
  load(filter: HistoryFilter): Promise<HistoryResult>;
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
  private readonly scope: HTMLElement;
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
    this.scope = h('p', { class: 'scope' });
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
      this.scope,
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
    const filter = historyQuery(form);
    let result: HistoryResult;
    try {
      result = await this.cb.load(filter);
    } catch (e) {
      if (seq !== this.seq) return;
      this.list.textContent = '';
      this.scope.textContent = '';
      this.state.textContent = e instanceof Error ? e.message : strings.historyError;
      return;
    }
    if (seq !== this.seq) return;
    const { items, scope } = result;
    // "Nothing matches" only when the visitor narrowed the list; otherwise say what will come.
    const filtered = Object.keys(filter).length > 0 && scope !== 'none';
    this.state.textContent = items.length ? '' : filtered ? strings.historyEmpty : strings.historyNone;
    this.scope.textContent = scope === 'email' && items.length ? strings.historyByEmail : '';
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

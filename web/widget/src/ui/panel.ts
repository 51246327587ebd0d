/**
 * The chat window: a labelled, non-modal dialog with a header and three ARIA tabs
 * (arrow keys, Home and End move between them; Escape closes the window).
 */
import { safeUrl } from '../markdown';
import { strings } from '../strings';
import { h, icon, ICONS } from './dom';

export const TABS = ['chat', 'faq', 'history'] as const;
export type TabId = (typeof TABS)[number];

const LABELS: Record<TabId, string> = { chat: strings.tabChat, faq: strings.tabFaq, history: strings.tabHistory };

export interface PanelOptions {
  title: string;
  avatarUrl: string | null;
  content: Record<TabId, HTMLElement>;
  close(): void;
  /** A tab became visible (History loads then). */
  selected(tab: TabId): void;
}

export class Panel {
  readonly el: HTMLElement;
  current: TabId = 'chat';
  private readonly tabs = {} as Record<TabId, HTMLButtonElement>;
  private readonly panels = {} as Record<TabId, HTMLElement>;

  constructor(private readonly opts: PanelOptions) {
    const avatar = opts.avatarUrl && safeUrl(opts.avatarUrl);
    const close = h('button', { type: 'button', class: 'icon close', 'aria-label': strings.closeChat, title: strings.closeChat }, icon(...ICONS.close));
    close.addEventListener('click', () => opts.close());
    const header = h(
      'div',
      { class: 'head' },
      avatar ? h('img', { class: 'avatar', src: avatar, alt: '' }) : h('span', { class: 'avatar' }, icon(...ICONS.chat)),
      h('h2', { id: 'pw-title' }, opts.title),
      close,
    );
    const list = h('div', { role: 'tablist', 'aria-label': strings.sections, class: 'tabs' });
    this.el = h('div', { class: 'panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'pw-title', id: 'pw-panel', hidden: true }, header, list);
    for (const id of TABS) {
      const tab = h('button', { type: 'button', role: 'tab', id: `pw-tab-${id}`, 'aria-controls': `pw-${id}` }, LABELS[id]);
      const panel = h('div', { role: 'tabpanel', id: `pw-${id}`, 'aria-labelledby': `pw-tab-${id}`, class: 'tabpanel' }, opts.content[id]);
      tab.addEventListener('click', () => this.select(id));
      tab.addEventListener('keydown', (e) => this.arrow(e, id));
      this.tabs[id] = tab;
      this.panels[id] = panel;
      list.append(tab);
      this.el.append(panel);
    }
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        opts.close();
      }
    });
    this.select('chat');
  }

  /** Shows a tab; `focusTab` moves focus to the tab itself (keyboard navigation). */
  select(id: TabId, focusTab = false): void {
    this.current = id;
    for (const t of TABS) {
      const on = t === id;
      this.tabs[t].setAttribute('aria-selected', String(on));
      this.tabs[t].tabIndex = on ? 0 : -1;
      this.panels[t].hidden = !on;
    }
    if (focusTab) this.tabs[id].focus();
    this.opts.selected(id);
  }

  private arrow(e: KeyboardEvent, id: TabId): void {
    const i = TABS.indexOf(id);
    const next =
      e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length]
      : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length]
      : e.key === 'Home' ? TABS[0]
      : e.key === 'End' ? TABS[TABS.length - 1]
      : null;
    if (!next) return;
    e.preventDefault();
    this.select(next, true);
  }
}

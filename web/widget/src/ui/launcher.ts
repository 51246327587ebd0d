/** The round button that opens the chat, its unread badge and the greeting teaser beside it. */
import { strings } from '../strings';
import { h, icon, ICONS } from './dom';

export class Launcher {
  readonly button: HTMLButtonElement;
  readonly teaser: HTMLElement;
  private readonly badge: HTMLElement;
  private unread = 0;

  constructor(greeting: string, open: () => void) {
    this.badge = h('span', { class: 'badge', hidden: true, 'aria-hidden': 'true' });
    this.button = h(
      'button',
      { type: 'button', class: 'launcher', 'aria-label': strings.openChat, 'aria-haspopup': 'dialog', 'aria-expanded': 'false', 'aria-controls': 'pw-panel' },
      icon(...ICONS.chat),
      this.badge,
    );
    this.button.addEventListener('click', open);
    const text = h('button', { type: 'button', class: 'teaser-text' }, greeting);
    text.addEventListener('click', open);
    const dismiss = h('button', { type: 'button', class: 'icon', 'aria-label': strings.dismissGreeting, title: strings.dismissGreeting }, icon(...ICONS.close));
    dismiss.addEventListener('click', () => this.hideTeaser());
    this.teaser = h('div', { class: 'teaser', hidden: true }, text, dismiss);
  }

  expanded(open: boolean): void {
    this.button.setAttribute('aria-expanded', String(open));
    if (open) {
      this.unread = 0;
      this.badge.hidden = true;
      this.button.setAttribute('aria-label', strings.openChat);
      this.hideTeaser();
    }
  }

  /** A message arrived while the window was closed. */
  bump(): void {
    this.unread++;
    this.badge.textContent = String(this.unread);
    this.badge.hidden = false;
    this.button.setAttribute('aria-label', strings.openChatUnread(this.unread));
  }

  /** Shown once per browser session, until opened or dismissed. */
  showTeaser(): void {
    if (sessionStorageFlag()) return;
    this.teaser.hidden = false;
  }

  hideTeaser(): void {
    this.teaser.hidden = true;
    sessionStorageFlag(true);
  }
}

function sessionStorageFlag(set = false): boolean {
  try {
    if (set) sessionStorage.setItem('parley:teaser', '1');
    return sessionStorage.getItem('parley:teaser') === '1';
  } catch {
    return set;
  }
}

/**
 * The satisfaction card a resolved conversation shows under the resolve notice: five stars
 * (an ARIA radio group: one tap or click picks a score, arrow keys move, Home/End jump), an
 * optional comment and Send. After a rating it turns into "Thanks for your feedback" with
 * the score. It knows nothing about the network: `send` says how sending went.
 */
import { strings } from '../strings';
import type { Conversation, Rating } from '../types';
import { h, icon } from './dom';

/** What sending a rating came to. */
export type RatingOutcome =
  | { ok: Rating }
  /** The conversation is open again (the visitor wrote): no rating to give, the card goes. */
  | { gone: true }
  /** Words for the visitor; the card stays so they can try again. */
  | { error: string };

export type RatingView = 'ask' | 'thanks' | 'none';

/**
 * What a conversation shows where its last rating request is: the thanks once it was rated,
 * the card while it is resolved and not rated, else nothing (it was reopened, or it never
 * asked).
 */
export function ratingView(conv: Pick<Conversation, 'status' | 'rating'>, requested: boolean): RatingView {
  if (!requested) return 'none';
  if (conv.rating) return 'thanks';
  return conv.status === 'resolved' ? 'ask' : 'none';
}

const STAR = 'M12 3.5l2.6 5.3 5.9.9-4.3 4.1 1 5.8-5.2-2.7-5.2 2.7 1-5.8-4.3-4.1 5.9-.9z';
let ids = 0;

function stars(score: number): HTMLElement {
  const row = h('span', { class: 'stars shown', 'aria-hidden': 'true' });
  for (let n = 1; n <= 5; n++) {
    const s = icon(STAR);
    if (n <= score) s.classList.add('on');
    row.append(s);
  }
  return row;
}

export class RatingCard {
  readonly el: HTMLElement;
  state: 'ask' | 'sending' | 'thanks' = 'ask';
  private score = 0;
  private buttons: HTMLButtonElement[] = [];
  private comment: HTMLTextAreaElement | null = null;
  private sendButton: HTMLButtonElement | null = null;
  private errorEl: HTMLElement | null = null;

  /** The card asking for a rating. */
  constructor(
    private readonly send: (score: number, comment: string) => Promise<RatingOutcome>,
    /** The card went away by itself (the conversation was reopened). */
    private readonly gone: () => void = () => undefined,
  ) {
    this.el = h('div', { class: 'rate' });
    this.ask();
  }

  /** The card after a reload of a conversation rated earlier. */
  static thanks(rating: Rating): RatingCard {
    const card = new RatingCard(() => Promise.resolve({ ok: rating }));
    card.thank(rating, false);
    return card;
  }

  private ask(): void {
    const n = ++ids;
    const titleId = `pw-rate-${n}`;
    const commentId = `pw-rate-c-${n}`;
    const group = h('div', { class: 'stars pick', role: 'radiogroup', 'aria-labelledby': titleId });
    for (let score = 1; score <= 5; score++) {
      const b = h('button', { type: 'button', role: 'radio', class: 'star', 'aria-checked': 'false', 'aria-label': strings.rateScore(score), tabindex: score === 1 ? 0 : -1 }, icon(STAR));
      b.addEventListener('click', () => this.pick(score));
      b.addEventListener('keydown', (e) => this.key(e, score));
      this.buttons.push(b);
      group.append(b);
    }
    this.comment = h('textarea', { id: commentId, rows: 2, maxlength: 1000 });
    this.sendButton = h('button', { type: 'submit', class: 'rate-send', 'aria-label': strings.rateSendLabel, disabled: true }, strings.rateSend);
    this.errorEl = h('p', { class: 'rate-err', role: 'alert' });
    const form = h(
      'form',
      { class: 'rate-form', 'aria-labelledby': titleId },
      h('p', { class: 'rate-t', id: titleId }, strings.rateTitle),
      group,
      h('label', { for: commentId, class: 'rate-l' }, strings.rateComment),
      this.comment,
      h('div', { class: 'rate-row' }, this.errorEl, this.sendButton),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
    this.el.replaceChildren(form);
  }

  /** Picks a score (one tap); the stars up to it light up. */
  pick(score: number, focus = false): void {
    this.score = score;
    this.buttons.forEach((b, i) => {
      const on = i + 1 === score;
      b.setAttribute('aria-checked', String(on));
      b.tabIndex = on ? 0 : -1;
      b.classList.toggle('on', i < score);
    });
    if (this.sendButton) this.sendButton.disabled = false;
    if (focus) this.buttons[score - 1].focus();
  }

  /** Radio-group keys: arrows move and pick (wrapping), Home and End jump. */
  private key(e: KeyboardEvent, score: number): void {
    const next =
      e.key === 'ArrowRight' || e.key === 'ArrowUp' ? (score % 5) + 1
      : e.key === 'ArrowLeft' || e.key === 'ArrowDown' ? ((score + 3) % 5) + 1
      : e.key === 'Home' ? 1
      : e.key === 'End' ? 5
      : 0;
    if (!next) return;
    e.preventDefault();
    this.pick(next, true);
  }

  async submit(): Promise<void> {
    if (this.state !== 'ask' || !this.score || !this.sendButton) return;
    this.state = 'sending';
    const controls = [...this.buttons, this.comment!, this.sendButton];
    // Disabling the focused Send button drops focus; the thanks take it back.
    const active = (this.el.getRootNode() as Document | ShadowRoot).activeElement;
    const keep = !!active && this.el.contains(active);
    controls.forEach((c) => (c.disabled = true));
    this.sendButton.textContent = strings.sending;
    this.errorEl!.textContent = '';
    let outcome: RatingOutcome;
    try {
      outcome = await this.send(this.score, this.comment!.value.trim());
    } catch {
      outcome = { error: strings.rateFailed };
    }
    if ('ok' in outcome) return this.thank(outcome.ok, keep);
    if ('gone' in outcome) {
      this.el.remove();
      return this.gone();
    }
    this.state = 'ask';
    controls.forEach((c) => (c.disabled = false));
    this.sendButton.textContent = strings.rateSend;
    this.errorEl!.textContent = outcome.error;
    if (keep) this.sendButton.focus();
  }

  /** "Thanks for your feedback" and the score; `focus` keeps a keyboard user in place. */
  private thank(rating: Rating, focus: boolean): void {
    this.state = 'thanks';
    const score = Math.max(0, Math.min(5, Math.round(rating.score)));
    const box = h(
      'div',
      { class: 'rate-done', role: 'status', tabindex: -1 },
      h('p', { class: 'rate-t' }, strings.rateThanks),
      stars(score),
      h('span', { class: 'sr' }, strings.rateGiven(score)),
    );
    this.buttons = [];
    this.comment = this.sendButton = this.errorEl = null;
    this.el.replaceChildren(box);
    if (focus) box.focus({ preventScroll: true });
  }
}

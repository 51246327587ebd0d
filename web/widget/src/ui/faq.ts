/** The FAQ tab: the bot's published questions, filtered as the visitor types. */
import { strings } from '../strings';
import type { Faq } from '../types';
import { h } from './dom';

/** FAQs containing every word of `query` (in the question or the answer), any case. */
export function matchFaqs(faqs: Faq[], query: string): Faq[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return faqs.filter((f) => {
    const hay = `${f.question}\n${f.answer}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export class FaqView {
  readonly el: HTMLElement;
  readonly search: HTMLInputElement;
  private readonly list: HTMLElement;

  constructor(
    private readonly faqs: Faq[],
    private readonly choose: (faq: Faq) => void,
  ) {
    this.search = h('input', { type: 'search', 'aria-label': strings.faqSearch, placeholder: strings.faqSearch });
    this.list = h('ul', { class: 'list', 'aria-label': strings.tabFaq });
    this.el = h('div', { class: 'faq' }, h('div', { class: 'tools' }, this.search), this.list);
    this.search.addEventListener('input', () => this.render());
    this.render();
  }

  private render(): void {
    const found = matchFaqs(this.faqs, this.search.value);
    this.list.textContent = '';
    if (!found.length) {
      this.list.append(h('li', { class: 'empty' }, this.faqs.length ? strings.faqEmpty : strings.faqNone));
      return;
    }
    for (const f of found) {
      const b = h('button', { type: 'button', class: 'item' }, h('span', { class: 'q' }, f.question), h('span', { class: 'a' }, f.answer));
      b.addEventListener('click', () => this.choose(f));
      this.list.append(h('li', {}, b));
    }
  }
}

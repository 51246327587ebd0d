import { describe, expect, it, vi } from 'vitest';
import type { Citation, Message } from '../src/types';
import { asksRating, citations, renderMessage, sources } from '../src/ui/message';

const ctx = { botName: 'Trailhead Assistant', resolve: (u: string) => new URL(u, 'https://parley.example.com').href };
const DOC_A = '0b9a7f1e-0000-4000-8000-00000000000a';
const DOC_B = '0b9a7f1e-0000-4000-8000-00000000000b';

function message(patch: Partial<Message>): Message {
  return { id: 'm1', role: 'bot', text: 'Hi', citations: [], attachments: [], author: null, rating_request: false, created_at: '2026-01-02T10:00:00Z', ...patch };
}

describe('citations are one chip per document', () => {
  const list: Citation[] = [
    { kind: 'passage', document_id: DOC_A, title: 'shipping.md', heading: 'Overnight', quote: 'Overnight shipping costs $29.95.' },
    { kind: 'passage', document_id: DOC_B, title: 'returns.md', heading: 'Refunds', quote: 'Refunds take 5 days.' },
    { kind: 'passage', document_id: DOC_A, title: 'shipping.md', heading: 'Ground', quote: 'Ground shipping is free over $50.' },
    // The same passage cited twice.
    { kind: 'passage', document_id: DOC_A, title: 'shipping.md', heading: 'Overnight', quote: 'Overnight shipping costs $29.95.' },
  ];

  it('merges citations with the same document_id, keeping each distinct passage, in first-cited order', () => {
    const found = sources(list);
    expect(found.map((s) => s.title)).toEqual(['shipping.md', 'returns.md']);
    expect(found[0].passages).toEqual([
      { heading: 'Overnight', quote: 'Overnight shipping costs $29.95.' },
      { heading: 'Ground', quote: 'Ground shipping is free over $50.' },
    ]);
  });

  it('merges citations with the same title (FAQs, documents cited without an id)', () => {
    const found = sources([
      { kind: 'faq', title: 'What is your return policy?' },
      { kind: 'faq', title: 'What is your return policy?' },
      { kind: 'passage', title: 'size-guide.pdf', heading: 'Packs' },
      { kind: 'passage', document_id: DOC_B, title: 'size-guide.pdf', heading: 'Boots' },
      { kind: 'passage', document_id: DOC_B, title: 'size-guide (v2).pdf', heading: 'Boots' },
    ]);
    expect(found.map((s) => s.title)).toEqual(['What is your return policy?', 'size-guide.pdf']);
    expect(found[1].passages.map((p) => p.heading)).toEqual(['Packs', 'Boots']);
  });

  it('keeps a link from any of the merged citations, and only a safe one', () => {
    const found = sources([
      { kind: 'passage', document_id: DOC_A, title: 'shipping.md', heading: 'A' },
      { kind: 'passage', document_id: DOC_A, title: 'shipping.md', heading: 'B', url: 'https://shop.example.com/shipping' },
      { kind: 'passage', document_id: DOC_B, title: 'evil.md', url: 'javascript:alert(1)', quote: 'x' },
    ]);
    expect(found[0].url).toBe('https://shop.example.com/shipping');
    expect(found[1].url).toBeNull();
  });

  it('renders one chip per document under the "Sources" list', () => {
    const el = citations(list)!;
    const chips = el.querySelectorAll('ul[aria-label="Sources"] > li > .chip');
    expect([...chips].map((c) => c.textContent)).toEqual(['shipping.md', 'returns.md']);
  });

  it('makes a chip with a url a link to a new tab that cannot reach back', () => {
    const el = citations([{ kind: 'passage', document_id: DOC_A, title: 'shipping.md', url: 'https://shop.example.com/shipping', quote: 'q' }])!;
    const a = el.querySelector('a.chip')!;
    expect(a.getAttribute('href')).toBe('https://shop.example.com/shipping');
    expect(a.getAttribute('target')).toBe('_blank');
    expect(a.getAttribute('rel')).toBe('noopener noreferrer');
    expect(el.querySelector('button')).toBeNull();
  });

  it('opens the quoted passages of a chip without a url in one inline box, toggled by the chips', () => {
    const el = citations(list)!;
    const [shipping, returns] = [...el.querySelectorAll<HTMLButtonElement>('button.chip')];
    const box = el.querySelector<HTMLElement>(`#${shipping.getAttribute('aria-controls')}`)!;
    expect(returns.getAttribute('aria-controls')).toBe(box.id);
    expect(box.hidden).toBe(true);
    expect(shipping.getAttribute('aria-expanded')).toBe('false');

    shipping.click();
    expect(box.hidden).toBe(false);
    expect(shipping.getAttribute('aria-expanded')).toBe('true');
    expect([...box.querySelectorAll('.passage')].map((p) => p.textContent)).toEqual([
      'OvernightOvernight shipping costs $29.95.',
      'GroundGround shipping is free over $50.',
    ]);

    returns.click();
    expect(shipping.getAttribute('aria-expanded')).toBe('false');
    expect(returns.getAttribute('aria-expanded')).toBe('true');
    expect(box.textContent).toBe('RefundsRefunds take 5 days.');

    returns.click();
    expect(box.hidden).toBe(true);
    expect(returns.getAttribute('aria-expanded')).toBe('false');
  });

  it('scrolls an opened box into view (under the last answer it opens below the fold)', () => {
    const el = citations(list)!;
    const shipping = el.querySelector<HTMLButtonElement>('button.chip')!;
    const box = el.querySelector<HTMLElement>('.quote')!;
    const scrolled = vi.spyOn(box, 'scrollIntoView').mockImplementation(() => undefined);
    shipping.click();
    expect(scrolled).toHaveBeenCalledWith({ block: 'nearest' });
    shipping.click();
    expect(scrolled).toHaveBeenCalledTimes(1);
  });

  it('shows the heading when there is no quote, and a plain chip when there is neither', () => {
    const el = citations([
      { kind: 'passage', document_id: DOC_A, title: 'shipping.md', heading: 'Overnight' },
      { kind: 'faq', title: 'Do you ship to Canada?' },
    ])!;
    const button = el.querySelector<HTMLButtonElement>('button.chip')!;
    button.click();
    expect(el.querySelector('.quote')!.textContent).toBe('Overnight');
    expect(el.querySelector('span.chip')?.textContent).toBe('Do you ship to Canada?');
  });

  it('renders nothing for no citations, and skips malformed ones', () => {
    expect(citations([])).toBeNull();
    expect(citations([null as unknown as Citation, { kind: 'faq' } as Citation])).toBeNull();
  });
});

describe('who wrote a message', () => {
  it('names an agent and shows their initial, never their role', () => {
    const el = renderMessage(message({ role: 'agent', text: 'Hello!', author: { name: 'ada Lovelace', avatar_url: null } }), ctx);
    expect(el.querySelector('.sr')?.textContent).toBe('ada Lovelace: ');
    expect(el.querySelector('.who')?.textContent).toBe('Aada Lovelace');
    expect(el.querySelector('.who .face')?.textContent).toBe('A');
    expect(el.textContent).not.toMatch(/agent/i);
  });

  it("shows an agent's avatar when there is one", () => {
    const el = renderMessage(message({ role: 'agent', author: { name: 'Ada', avatar_url: '/avatars/ada.png' } }), ctx);
    const img = el.querySelector<HTMLImageElement>('.who img.face')!;
    expect(img.getAttribute('src')).toBe('https://parley.example.com/avatars/ada.png');
    expect(img.getAttribute('alt')).toBe('');
  });

  it('refuses an avatar URL that is not http(s)', () => {
    const el = renderMessage(message({ role: 'agent', author: { name: 'Ada', avatar_url: 'javascript:alert(1)' } }), ctx);
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('.face')?.textContent).toBe('A');
  });

  it('renders a system message as a neutral notice, its rating request as no image', () => {
    const m = message({ role: 'system', text: 'This conversation was resolved.', attachments: [{ kind: 'rating_request' }] });
    const el = renderMessage(m, ctx);
    expect(el.className).toBe('m system');
    expect(el.querySelector('.body')?.textContent).toBe('This conversation was resolved.');
    expect(el.querySelector('img, .who')).toBeNull();
    expect(asksRating(m)).toBe(true);
    expect(asksRating(message({ role: 'system' }))).toBe(false);
    // The server may say it with a flag instead, sending image attachments only.
    expect(asksRating(message({ role: 'system', rating_request: true }))).toBe(true);
    expect(asksRating(message({ role: 'system', rating_request: false }))).toBe(false);
    expect(asksRating(message({ role: 'bot', attachments: [{ kind: 'rating_request' }] }))).toBe(false);
  });
});

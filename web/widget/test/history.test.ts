import { describe, expect, it } from 'vitest';
import { backoff, isTransient, ApiError } from '../src/api';
import { historyQuery } from '../src/history';
import { imageProblem } from '../src/images';
import { matchFaqs } from '../src/ui/faq';

describe('history filter', () => {
  it('sends only what was filled in', () => {
    expect(historyQuery({ text: '  ', from: '', to: '' })).toEqual({});
    expect(historyQuery({ text: ' refund ', from: '', to: '' })).toEqual({ q: 'refund' });
  });

  it('turns local calendar days into an inclusive RFC 3339 range', () => {
    const q = historyQuery({ text: '', from: '2026-11-01', to: '2026-11-24' });
    expect(new Date(q.from!).getTime()).toBe(new Date(2026, 10, 1).getTime());
    expect(new Date(q.to!).getTime()).toBe(new Date(2026, 10, 25).getTime() - 1);
    expect(q.from).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('ignores a malformed date', () => {
    expect(historyQuery({ text: '', from: '24/11/2026', to: 'soon' })).toEqual({});
  });
});

describe('FAQ search', () => {
  const faqs = [
    { id: '1', question: 'How long does shipping take?', answer: '3 to 5 business days.' },
    { id: '2', question: 'What is your return policy?', answer: 'Within 60 days.' },
  ];
  it('matches every word, in question or answer, any case', () => {
    expect(matchFaqs(faqs, '').map((f) => f.id)).toEqual(['1', '2']);
    expect(matchFaqs(faqs, 'SHIPPING days').map((f) => f.id)).toEqual(['1']);
    expect(matchFaqs(faqs, '60 return').map((f) => f.id)).toEqual(['2']);
    expect(matchFaqs(faqs, 'shipping return')).toEqual([]);
  });
});

describe('image checks', () => {
  it('accepts the four image types up to 5 MiB', () => {
    expect(imageProblem({ type: 'image/png', size: 5 * 1024 * 1024 })).toBeNull();
    expect(imageProblem({ type: 'image/webp', size: 10 })).toBeNull();
    expect(imageProblem({ type: 'image/png', size: 5 * 1024 * 1024 + 1 })).toMatch(/5 MB/);
    expect(imageProblem({ type: 'image/svg+xml', size: 10 })).toMatch(/JPEG, PNG, GIF or WebP/);
    expect(imageProblem({ type: '', size: 10 })).not.toBeNull();
  });
});

describe('retries', () => {
  it('backs off exponentially up to 30 s, with jitter', () => {
    expect(backoff(0, () => 1)).toBe(1000);
    expect(backoff(3, () => 1)).toBe(8000);
    expect(backoff(10, () => 1)).toBe(30_000);
    expect(backoff(10, () => 0)).toBe(15_000);
  });

  it('retries network failures, 5xx and 429, not other client errors', () => {
    expect(isTransient(new TypeError('Failed to fetch'))).toBe(true);
    expect(isTransient(new ApiError(503, 'x', 'x'))).toBe(true);
    expect(isTransient(new ApiError(429, 'x', 'x', 3))).toBe(true);
    expect(isTransient(new ApiError(400, 'x', 'x'))).toBe(false);
    expect(isTransient(new ApiError(403, 'x', 'x'))).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { moveItem, reorderIds, validateFaq } from './faqs';

const faqs = ['a', 'b', 'c', 'd'].map((id) => ({ id }));

describe('FAQ reorder', () => {
  it('moves one item up or down', () => {
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
  });

  it('does not move past either end and does not mutate', () => {
    const items = ['a', 'b'];
    expect(moveItem(items, 0, -1)).toEqual(['a', 'b']);
    expect(moveItem(items, 1, 1)).toEqual(['a', 'b']);
    expect(items).toEqual(['a', 'b']);
  });

  it('sends every id in the new order', () => {
    expect(reorderIds(faqs, 'c', -1)).toEqual(['a', 'c', 'b', 'd']);
    expect(reorderIds(faqs, 'a', 1)).toEqual(['b', 'a', 'c', 'd']);
  });

  it('has nothing to send at the ends or for an unknown id', () => {
    expect(reorderIds(faqs, 'a', -1)).toBeNull();
    expect(reorderIds(faqs, 'd', 1)).toBeNull();
    expect(reorderIds(faqs, 'zzz', 1)).toBeNull();
  });

  it('needs a question and an answer', () => {
    expect(validateFaq({ question: ' ', answer: '', enabled: true })).toEqual({
      question: 'Question is required',
      answer: 'Answer is required',
    });
    expect(validateFaq({ question: 'Q?', answer: 'A.', enabled: false })).toEqual({});
  });
});

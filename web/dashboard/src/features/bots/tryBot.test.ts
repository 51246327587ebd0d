import { describe, expect, it } from 'vitest';
import { budgetParts, budgetSummary, outcomeOf, passageTitle, passageUse, passagesSummary, relevanceMeter } from './tryBot';

describe('relevance against the bar', () => {
  it('says both numbers and whether the bar is cleared', () => {
    expect(relevanceMeter(0.42, 0.3)).toEqual({ value: 0.42, bar: 0.3, clears: true, text: 'relevance 0.42, bar 0.30' });
    expect(relevanceMeter(0.1, 0.3).clears).toBe(false);
    expect(relevanceMeter(0.3, 0.3).clears).toBe(true);
  });

  it('keeps the meter inside 0..1', () => {
    expect(relevanceMeter(1.7, -1)).toMatchObject({ value: 1, bar: 0 });
    expect(relevanceMeter(Number.NaN, 0.3)).toMatchObject({ value: 0, clears: false, text: 'relevance —, bar 0.30' });
  });
});

describe('passages', () => {
  it('are titled "title › heading"', () => {
    expect(passageTitle({ title: 'Shipping', heading: 'Express' })).toBe('Shipping › Express');
    expect(passageTitle({ title: 'Shipping', heading: null })).toBe('Shipping');
    expect(passageTitle({ title: 'Shipping', heading: '  ' })).toBe('Shipping');
  });

  it('are counted, with how many went to the model when there is one', () => {
    const p = (sent: boolean) => ({ document_id: 'd', title: 't', heading: null, text: 'x', score: 1, sent });
    expect(passagesSummary({ model: 'gpt-4o-mini', passages: [p(true), p(false), p(true)] })).toBe('3 passages found, 2 sent to the model');
    expect(passagesSummary({ model: 'extractive', passages: [p(false)] })).toBe('1 passage found, 0 usable');
    expect(passagesSummary({ model: 'extractive', passages: [] })).toBe('No passages found');
  });
});

describe('a passage’s mark', () => {
  it('says whether it went to the model, or without one whether it cleared the bar', () => {
    expect(passageUse(true, 'gpt-4o-mini')).toEqual({ label: 'Sent to the model', used: true });
    expect(passageUse(false, 'gpt-4o-mini')).toEqual({ label: 'Not sent', used: false });
    expect(passageUse(true, 'extractive')).toEqual({ label: 'Usable', used: true });
    expect(passageUse(false, 'extractive')).toEqual({ label: 'Below the bar', used: false });
  });
});

describe('outcomes', () => {
  it('have a label for every outcome, and show unknown ones as they are', () => {
    expect(['faq', 'passages', 'model', 'fallback', 'small_talk', 'handoff'].map((o) => outcomeOf(o).label)).toEqual([
      'FAQ',
      'Passages',
      'Model',
      'Fallback',
      'Small talk',
      'Handoff',
    ]);
    expect(outcomeOf('escalated')).toEqual({ label: 'escalated', tone: 'neutral', text: '' });
  });
});

describe('the prompt budget', () => {
  const budget = { context_tokens: 8192, answer_tokens: 512, prompt_tokens: 2048, passage_tokens: 1024, passages_sent: 3 };

  it('splits the context window into passages, the rest of the prompt, the answer and what is left', () => {
    expect(budgetParts(budget)).toEqual([
      { key: 'passages', label: 'Passages (3 sent)', tokens: 1024, percent: 12.5 },
      { key: 'prompt', label: 'Instructions, memory and question', tokens: 1024, percent: 12.5 },
      { key: 'answer', label: 'Kept for the answer', tokens: 512, percent: 6.25 },
      { key: 'free', label: 'Unused', tokens: 5632, percent: 68.75 },
    ]);
  });

  it('never shows negative parts', () => {
    const full = budgetParts({ context_tokens: 1024, answer_tokens: 600, prompt_tokens: 900, passage_tokens: 2000, passages_sent: 1 });
    expect(full.map((p) => p.tokens)).toEqual([900, 0, 600, 0]);
  });

  it('shows the prompt whole when the server leaves out the passages’ share', () => {
    const { passage_tokens: _, ...without } = budget;
    void _;
    expect(budgetParts(without).map((p) => [p.key, p.label, p.tokens])).toEqual([
      ['prompt', 'Prompt, with 3 passages', 2048],
      ['answer', 'Kept for the answer', 512],
      ['free', 'Unused', 5632],
    ]);
  });

  it('reads as one line', () => {
    expect(budgetSummary(budget)).toBe('Prompt 2,048 of 8,192 tokens, 512 kept for the answer');
  });
});

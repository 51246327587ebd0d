import { describe, expect, it } from 'vitest';
import { analyzeFields, fileProblem, resultRows } from './vision';

describe('the image-analysis card', () => {
  it('refuses files the server would refuse, with the reason', () => {
    expect(fileProblem({ name: 'a.jpg', type: 'image/jpeg', size: 1000 })).toBeNull();
    expect(fileProblem({ name: 'big.jpg', type: 'image/jpeg', size: 6 * 1024 * 1024 })).toMatch(/5 MiB/);
    expect(fileProblem({ name: 'a.pdf', type: 'application/pdf', size: 10 })).toMatch(/not an image/);
  });

  it('sends the question only where it means something', () => {
    expect(analyzeFields('b1', 'describe', ' Is it cracked? ')).toEqual({ kind: 'describe', bot_id: 'b1', question: 'Is it cracked?' });
    expect(analyzeFields('b1', 'count', 'screws')).toEqual({ kind: 'count', bot_id: 'b1', what: 'screws' });
    expect(analyzeFields('b1', 'invoice', 'ignored')).toEqual({ kind: 'invoice', bot_id: 'b1' });
  });

  it('shows each kind as rows', () => {
    const rows = resultRows({
      kind: 'invoice', vendor: 'ACME', total: 58.85, subtotal: 49.45, tax: 9.4, currency: 'EUR', line_items: [{}, {}],
      checks: { items_sum_to_subtotal: true, subtotal_plus_tax_is_total: false }, confidence: 0.3, date: '2024-03-14', date_ambiguous: true,
    });
    expect(Object.fromEntries(rows)).toMatchObject({
      Total: 'EUR 58.85', Date: '2024-03-14 (ambiguous)', 'Line items': '2', Confidence: '30 %',
      Checks: 'items sum to subtotal: yes, subtotal plus tax is total: no',
    });
    const count = Object.fromEntries(resultRows({ kind: 'count', what: 'discs', count: 7, boxes: [1, 2], estimate: true, confidence: 0.6 }));
    expect(count.Count).toBe('7 (an estimate)');
    const cond = Object.fromEntries(resultRows({ kind: 'condition', verdict: 'needs_review', damages: [], reasons: ['Blurry.'], quality_issues: [{ message: 'The photo is blurry.' }], confidence: 0 }));
    expect(cond).toMatchObject({ Verdict: 'needs review', Damage: 'none seen', 'Photo quality': 'The photo is blurry.' });
    expect(resultRows(null)).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { InboxMessage } from '../../api/conversations';
import { NO_FIELDS, messageInsight } from '../../test/insight';
import {
  breakdownTotal,
  formatScore,
  intentTitle,
  labelOf,
  leadFieldRows,
  sentimentText,
  signalLabel,
  sparkline,
  trendSummary,
  visitorScores,
} from './insight';

describe('sentiment text', () => {
  it('signs scores and labels them like the server', () => {
    expect(formatScore(0.4512)).toBe('+0.45');
    expect(formatScore(-0.618)).toBe('-0.62');
    expect(formatScore(-0.001)).toBe('0.00');
    expect(formatScore(Number.NaN)).toBe('0.00');
    expect(labelOf(0.05)).toBe('positive');
    expect(labelOf(0.049)).toBe('neutral');
    expect(labelOf(-0.05)).toBe('negative');
    expect(sentimentText('negative', -0.62)).toBe('Sentiment: negative (-0.62)');
  });

  it('describes an intent for its tooltip, flagging weak matches', () => {
    expect(intentTitle({ intent: 'bulk_order', confidence: 0.874, evidence: ['500 units', 'bulk'] })).toBe(
      'bulk order: 87% confident · matched “500 units”, “bulk”',
    );
    expect(intentTitle({ intent: 'pricing', confidence: 0.4, evidence: [] })).toBe('pricing: 40% confident, below the detection threshold');
  });
});

describe('sparkline', () => {
  const W = 100;
  const H = 42;
  const PAD = 1;

  it('has nothing to draw without scores', () => {
    expect(sparkline([], W, H, PAD)).toBeNull();
  });

  it('puts a single score in the middle', () => {
    const line = sparkline([0.5], W, H, PAD)!;
    expect(line.points).toEqual([{ x: 50, y: 11 }]);
    expect(line.path).toBe('M50 11');
    expect(line.zeroY).toBe(21);
  });

  it('draws equal scores as a flat line on a fixed -1..1 scale', () => {
    const line = sparkline([0, 0, 0], W, H, PAD)!;
    expect(line.points.map((p) => p.y)).toEqual([21, 21, 21]);
    expect(line.points.map((p) => p.x)).toEqual([1, 50, 99]);
    expect(line.path).toBe('M1 21 L50 21 L99 21');
    const high = sparkline([1, 1], W, H, PAD)!;
    expect(high.points.map((p) => p.y)).toEqual([1, 1]);
  });

  it('maps -1 to the bottom and 1 to the top, clamping what is outside', () => {
    const line = sparkline([-1, 1, 3, -7], W, H, PAD)!;
    expect(line.points.map((p) => p.y)).toEqual([41, 1, 1, 41]);
    expect(line.points[1]!.x).toBe(33.67);
  });

  it('takes only scored visitor messages, in order', () => {
    const m = (id: string, role: InboxMessage['role'], score: number | null): InboxMessage => ({
      id,
      role,
      text: id,
      citations: [],
      model: null,
      latency_ms: null,
      created_at: '2025-01-01T00:00:00Z',
      insight: score === null ? null : messageInsight(score),
    });
    expect(visitorScores([m('a', 'visitor', -0.6), m('b', 'bot', 0.9), m('c', 'visitor', null), m('d', 'visitor', 0.3)])).toEqual([-0.6, 0.3]);
  });

  it('summarises the trend for screen readers', () => {
    expect(trendSummary({ count: 0, first: 0, last: 0, average: 0, trend: 'steady' })).toMatch(/no visitor messages/);
    expect(trendSummary({ count: 3, first: -0.62, last: 0.4, average: -0.1, trend: 'improving' })).toBe(
      'Sentiment trend over 3 visitor messages: first -0.62, last +0.40, average -0.10, improving.',
    );
  });
});

describe('lead', () => {
  it('names signals in words', () => {
    expect(signalLabel('intent:bulk_order')).toBe('Intent: bulk order');
    expect(signalLabel('engagement:messages')).toBe('Engagement: messages');
    expect(signalLabel('email_domain')).toBe('Email domain');
    expect(signalLabel('something_new')).toBe('Something new');
  });

  it('totals the breakdown', () => {
    expect(breakdownTotal([])).toBe(0);
    expect(breakdownTotal([{ name: 'a', points: 20, evidence: '' }, { name: 'b', points: -5, evidence: '' }])).toBe(15);
  });

  it('lists only stated fields, formatted', () => {
    expect(leadFieldRows(NO_FIELDS)).toEqual([]);
    expect(leadFieldRows({ name: null, team_size: null, urgent: false })).toEqual([]);
    expect(
      leadFieldRows({
        ...NO_FIELDS,
        email: 'jo@acme-corp.com',
        quantity: { value: 500, unit: 'units' },
        budget: { amount: 20000, currency: 'USD' },
        timeline: 'by next month',
        urgent: true,
        team_size: 12,
      }),
    ).toEqual([
      { label: 'Email', value: 'jo@acme-corp.com' },
      { label: 'Quantity', value: '500 units' },
      { label: 'Budget', value: '$20,000' },
      { label: 'Team size', value: '12' },
      { label: 'Timeline', value: 'by next month' },
      { label: 'Urgent', value: 'Yes' },
    ]);
    expect(leadFieldRows({ ...NO_FIELDS, budget: { amount: 5000, currency: '' } })).toEqual([{ label: 'Budget', value: '5,000' }]);
    expect(leadFieldRows({ ...NO_FIELDS, budget: { amount: 5000, currency: 'XX1' } })).toEqual([{ label: 'Budget', value: '5,000 XX1' }]);
  });
});

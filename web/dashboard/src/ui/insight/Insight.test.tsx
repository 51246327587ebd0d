// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render, screen, within } from '@testing-library/react';
import type { LeadState } from '../../api/insight';
import { NO_FIELDS, NO_INSIGHT } from '../../test/insight';
import { IntentChips, PriorityBadge, SentimentBadge, SentimentDot, SentimentLabelBadge } from './InsightBadges';
import { LeadPanel } from './LeadPanel';
import { SentimentTrend } from './SentimentTrend';

afterEach(cleanup);

describe('insight badges', () => {
  it('says the sentiment in words, not only in colour', () => {
    const { container } = render(<SentimentBadge label="negative" score={-0.62} />);
    expect(screen.getByText('Sentiment: negative (-0.62)')).toBeTruthy();
    expect(container.querySelector('.sentiment-negative')?.textContent).toContain('Negative -0.62');
  });

  it('names a conversation\'s sentiment in a word, with the score on hover', () => {
    const { container, rerender } = render(<SentimentLabelBadge label="negative" score={-0.62} />);
    const badge = container.querySelector('.sentiment-badge.sentiment-negative')!;
    expect(badge.getAttribute('title')).toBe('Sentiment: negative (-0.62)');
    expect(badge.textContent).toBe('Negative sentiment, score -0.62');
    expect(screen.getByText('Negative')).toBeTruthy();
    rerender(<SentimentLabelBadge label="neutral" score={null} />);
    expect(container.textContent).toBe('Neutral');
  });

  it('labels the list dot and leaves it out before any visitor message', () => {
    const { container, rerender } = render(<SentimentDot score={0.31} />);
    expect(screen.getByRole('img', { name: 'Sentiment: positive (+0.31)' })).toBeTruthy();
    rerender(<SentimentDot score={null} />);
    expect(container.innerHTML).toBe('');
  });

  it('shows intents as chips with confidence in the title, dimming weak ones', () => {
    render(
      <IntentChips
        intents={[
          { intent: 'bulk_order', confidence: 0.91, evidence: ['500 units'] },
          { intent: 'pricing', confidence: 0.35, evidence: ['budget'] },
        ]}
      />,
    );
    const chips = within(screen.getByRole('list', { name: 'Intents' })).getAllByRole('listitem');
    expect(chips.map((c) => c.textContent)).toEqual(['bulk order 91%', 'pricing 35%']);
    expect(chips[0]!.getAttribute('title')).toBe('bulk order: 91% confident · matched “500 units”');
    expect(chips[1]!.className).toContain('intent-chip-weak');
  });

  it('names each priority', () => {
    const { rerender } = render(<PriorityBadge priority="hot" />);
    expect(screen.getByText('Hot lead').className).toContain('badge-danger');
    rerender(<PriorityBadge priority="warm" />);
    expect(screen.getByText('Warm lead').className).toContain('badge-warning');
    rerender(<PriorityBadge priority="cold" />);
    expect(screen.getByText('Cold lead').className).toContain('badge-neutral');
  });
});

describe('sentiment trend', () => {
  it('draws the scores with a zero line and says first, last, average and trend', () => {
    const { container } = render(
      <SentimentTrend scores={[-0.7, -0.2, 0.5]} sentiment={{ count: 3, first: -0.7, last: 0.5, average: -0.12, trend: 'improving' }} />,
    );
    const img = screen.getByRole('img');
    expect(img.getAttribute('aria-label')).toBe(
      'Sentiment trend over 3 visitor messages: first -0.70, last +0.50, average -0.12, improving.',
    );
    expect(container.querySelectorAll('circle')).toHaveLength(3);
    expect(container.querySelector('.sparkline-zero')).toBeTruthy();
    expect(container.querySelector('path')?.getAttribute('d')).toMatch(/^M\S+ \S+ L\S+ \S+ L\S+ \S+$/);
    expect(screen.getByText('-0.70')).toBeTruthy();
    expect(screen.getByText('+0.50')).toBeTruthy();
    expect(screen.getByText('-0.12')).toBeTruthy();
    expect(screen.getByText(/improving/).textContent).toBe('↗ improving');
  });

  it('draws one message as a point without a line', () => {
    const { container } = render(<SentimentTrend scores={[0]} sentiment={{ count: 1, first: 0, last: 0, average: 0, trend: 'steady' }} />);
    expect(container.querySelectorAll('circle')).toHaveLength(1);
    expect(container.querySelector('path')).toBeNull();
  });

  it('says so when nothing is scored yet', () => {
    render(<SentimentTrend scores={[]} sentiment={NO_INSIGHT.sentiment} />);
    expect(screen.getByText('No visitor messages scored yet.')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
  });
});

describe('lead panel', () => {
  const lead: LeadState = {
    score: 63,
    priority: 'warm',
    qualified_fired: true,
    breakdown: [
      { name: 'intent:bulk_order', points: 20, evidence: '500 units' },
      { name: 'email_domain', points: 10, evidence: 'company email at acme-corp.com' },
      { name: 'budget', points: 15, evidence: 'budget of $20,000' },
      { name: 'timeline', points: 8, evidence: 'needed by next month' },
      { name: 'engagement:messages', points: 15, evidence: '2 messages' },
      { name: 'intent:refund', points: -5, evidence: 'refund' },
    ],
    fields: { ...NO_FIELDS, email: 'jo@acme-corp.com', quantity: { value: 500, unit: 'units' }, budget: { amount: 20000, currency: 'USD' } },
  };

  it('shows the score, bar, priority and a breakdown that sums to the score', () => {
    render(<LeadPanel lead={lead} />);
    const meter = screen.getByRole('meter', { name: 'Lead score' });
    expect(meter.getAttribute('aria-valuenow')).toBe('63');
    expect((meter.firstElementChild as HTMLElement).style.width).toBe('63%');
    expect(screen.getByText('Warm lead')).toBeTruthy();
    expect(screen.getByText('Qualified')).toBeTruthy();

    const table = screen.getByRole('table', { name: 'Lead score breakdown' });
    const rows = within(table).getAllByRole('row').slice(1); // after the (visually hidden) header
    const cells = rows.map((r) => Array.from(r.children).map((c) => c.textContent));
    expect(cells).toEqual([
      ['Intent: bulk order', '+20', '500 units'],
      ['Email domain', '+10', 'company email at acme-corp.com'],
      ['Budget', '+15', 'budget of $20,000'],
      ['Timeline', '+8', 'needed by next month'],
      ['Engagement: messages', '+15', '2 messages'],
      ['Intent: refund', '-5', 'refund'],
      ['Total', '63', ''],
    ]);

    const details = screen.getByLabelText('Lead details');
    expect(Array.from(details.querySelectorAll('dt, dd')).map((e) => e.textContent)).toEqual([
      'Email',
      'jo@acme-corp.com',
      'Quantity',
      '500 units',
      'Budget',
      '$20,000',
    ]);
  });

  it('says when there is nothing yet', () => {
    render(<LeadPanel lead={NO_INSIGHT.lead} />);
    expect(screen.getByText('No buying signals yet.')).toBeTruthy();
    expect(screen.getByText('Cold lead')).toBeTruthy();
    expect(screen.queryByText('Qualified')).toBeNull();
    expect(screen.queryByRole('table')).toBeNull();
  });
});

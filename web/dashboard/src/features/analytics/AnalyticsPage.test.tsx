// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { ME, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

function summary(conversations: number, previous: number | null) {
  const card = (key: string, label: string, format: string, value: number | null, prev: number | null) => ({
    key,
    label,
    format,
    value,
    previous: prev,
    delta_pct: value !== null && prev ? ((value - prev) / prev) * 100 : null,
  });
  return {
    from: '2026-11-08T00:00:00Z',
    to: '2026-12-08T00:00:00Z',
    time_zone: 'UTC',
    kpis: [card('conversations', 'Conversations', 'count', conversations, previous), card('handoff_rate', 'Handed to a human', 'percent', 0.25, null)],
    sentiment: [
      { name: 'negative', count: 3 },
      { name: 'neutral', count: 5 },
      { name: 'positive', count: 2 },
    ],
    leads: [{ name: 'hot', count: 1 }],
    handoffs: [],
    executions: [],
    intents: [{ name: 'refund', count: 4 }],
  };
}

const series = (metric: string) => ({ metric, bucket: 'day', time_zone: 'UTC', points: [{ t: '2026-12-07T00:00:00Z', value: 4 }] });

describe('analytics page', () => {
  it('shows KPI cards with their change and drill-down links, and refetches for another bot', async () => {
    const { calls } = renderApp('/analytics', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/bots': () => json(200, { items: [{ id: 'b1', name: 'Support' }] }),
      'GET /api/v1/workspace': () => json(200, { id: 'w1', name: 'Shop', time_zone: 'Europe/Berlin', bot_language: null }),
      'GET /api/v1/analytics/summary': (r) => json(200, r.query.get('bot_id') === 'b1' ? summary(7, null) : summary(12, 8)),
      'GET /api/v1/analytics/timeseries': (r) => json(200, series(r.query.get('metric') ?? '')),
      'GET /api/v1/analytics/gaps': () =>
        json(200, { items: [{ topic: 'antarctica', count: 3, examples: ['Do you deliver to Antarctica?'] }] }),
    });
    const card = await screen.findByRole('link', { name: /Conversations: 12/ });
    expect(card.textContent).toContain('+50.0% vs previous period');
    expect(card.getAttribute('href')).toMatch(/^\/app\/inbox\?status=all&from=\d{4}-\d{2}-\d{2}&to=/);
    expect(screen.getByRole('link', { name: /Handed to a human: 25.0%/ }).getAttribute('href')).toContain('view=waiting');
    expect(screen.getByRole('list', { name: 'Intents by count' }).textContent).toContain('refund');
    const gaps = screen.getByRole('list', { name: 'Knowledge gaps' });
    expect(gaps.textContent).toContain('antarctica');
    expect(gaps.textContent).toContain('3 unanswered');
    const summaryCall = calls.find((c) => c.path === '/api/v1/analytics/summary');
    expect(summaryCall?.query.get('compare')).toBe('previous');
    // Berlin's days: the period ends at a Berlin midnight (23:00 or 22:00 UTC).
    expect(summaryCall?.query.get('to')).toMatch(/T2[23]:00:00.000Z$/);
    expect(screen.getByText(/Days are Europe\/Berlin days/)).toBeTruthy();

    await screen.findByRole('option', { name: 'Support' });
    fireEvent.change(screen.getByLabelText('Bot'), { target: { value: 'b1' } });
    await screen.findByRole('link', { name: /Conversations: 7/ });
    expect(screen.getByRole('link', { name: /Conversations: 7/ }).textContent).toContain('no earlier data');
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/analytics/timeseries' && c.query.get('bot_id') === 'b1')).toBe(true));
  });
});

import { describe, expect, it } from 'vitest';
import { startOfDay, drillDown, exportHref, filtersFromSearch, filtersToSearch, formatDelta, formatDuration, formatValue, higherIsBetter, linePoints, period, query } from './analytics';

const NOW = Date.UTC(2026, 11, 7, 15, 30);

describe('analytics filters', () => {
  it('round-trip through the URL with defaults left out', () => {
    expect(filtersFromSearch('')).toEqual({ preset: '30d', botId: '' });
    expect(filtersFromSearch('?range=bogus')).toEqual({ preset: '30d', botId: '' });
    const f = filtersFromSearch('?range=7d&bot=b1');
    expect(f).toEqual({ preset: '7d', botId: 'b1' });
    expect(filtersToSearch(f)).toBe('?range=7d&bot=b1');
    expect(filtersToSearch({ preset: '30d', botId: '' })).toBe('');
  });

  it('cover whole UTC days up to the end of today', () => {
    const { from, to } = period('7d', NOW);
    expect(to.toISOString()).toBe('2026-12-08T00:00:00.000Z');
    expect(from.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(query({ preset: 'today', botId: 'b' }, NOW)).toEqual({
      from: '2026-12-07T00:00:00.000Z',
      to: '2026-12-08T00:00:00.000Z',
      bot_id: 'b',
    });
  });
});

describe('numbers', () => {
  it('format by kind, unknown as a dash', () => {
    expect(formatValue({ format: 'count', value: 1234 })).toBe('1,234');
    expect(formatValue({ format: 'percent', value: 0.1234 })).toBe('12.3%');
    expect(formatValue({ format: 'score', value: -0.256 })).toBe('-0.26');
    expect(formatValue({ format: 'percent', value: null })).toBe('—');
  });

  it('show signed deltas, none without a base', () => {
    expect(formatDelta(12.34)).toBe('+12.3%');
    expect(formatDelta(-3)).toBe('−3.0%');
    expect(formatDelta(null)).toBeNull();
  });

  it('scale a line to its maximum', () => {
    expect(linePoints([0, 5, 10], 100, 50)).toBe('0.0,50.0 50.0,25.0 100.0,0.0');
    expect(linePoints([], 100, 50)).toBe('');
  });
});

describe('drill-down', () => {
  it('opens the inbox with the same period, bot and what the number counts', () => {
    const f = { preset: '7d' as const, botId: 'b1' };
    expect(drillDown('conversations', f, NOW)).toBe('/inbox?status=all&from=2026-12-01&to=2026-12-07&bot=b1');
    expect(drillDown('negative_share', f, NOW)).toContain('sentiment=negative');
    expect(drillDown('resolved', f, NOW)).toContain('status=resolved');
    expect(drillDown('intents', f, NOW, { intent: 'refund' })).toContain('intent=refund');
    expect(drillDown('execution_failure_rate', f, NOW)).toBe('/workflows/executions?status=failed');
  });

  it('exports the same period as CSV', () => {
    expect(exportHref('daily', { preset: 'today', botId: '' }, NOW)).toBe(
      '/api/v1/analytics/export.csv?from=2026-12-07T00%3A00%3A00.000Z&to=2026-12-08T00%3A00%3A00.000Z&table=daily',
    );
  });
});

describe('durations', () => {
  it('read in the largest unit that keeps a readable number', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(252_000)).toBe('4.2 min');
    expect(formatDuration(5_400_000)).toBe('1.5 h');
    expect(formatDuration(129_600_000)).toBe('1.5 d');
    expect(formatValue({ format: 'duration', value: 1500 })).toBe('1.5 s');
  });

  it('are better shorter, like unanswered questions', () => {
    expect(higherIsBetter('first_reply_ms')).toBe(false);
    expect(higherIsBetter('unanswered')).toBe(false);
    expect(higherIsBetter('resolved')).toBe(true);
  });
});

describe('days in the workspace time zone', () => {
  it('start at its midnight, also across a daylight-saving change', () => {
    // 2026-12-01 00:30 UTC is 01:30 in Berlin: the day began at 23:00 UTC.
    expect(new Date(startOfDay(Date.UTC(2026, 11, 1, 0, 30), 'Europe/Berlin')).toISOString()).toBe('2026-11-30T23:00:00.000Z');
    expect(new Date(startOfDay(Date.UTC(2026, 11, 1, 0, 30), 'America/New_York')).toISOString()).toBe('2026-11-30T05:00:00.000Z');
    // Berlin's clocks went back on 2026-10-25: that day began at 22:00 UTC (summer time).
    expect(new Date(startOfDay(Date.UTC(2026, 9, 25, 12), 'Europe/Berlin')).toISOString()).toBe('2026-10-24T22:00:00.000Z');
    const { from, to } = period('7d', Date.UTC(2026, 11, 7, 15, 30), 'Europe/Berlin');
    expect(to.toISOString()).toBe('2026-12-07T23:00:00.000Z');
    expect(from.toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });
});

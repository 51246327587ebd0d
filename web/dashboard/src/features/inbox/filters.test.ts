import { describe, expect, it } from 'vitest';
import type { Summary } from './contract';
import {
  DEFAULT_FILTERS,
  comparator,
  effectiveSort,
  filtersToSearch,
  inboxPath,
  isFiltered,
  matchesFilters,
  parseFilters,
  sortItems,
  type InboxFilters,
} from './filters';

const filters = (f: Partial<InboxFilters> = {}): InboxFilters => ({ ...DEFAULT_FILTERS, ...f });
const parse = (search: string) => parseFilters(new URLSearchParams(search));

function conv(id: string, overrides: Partial<Summary> = {}): Summary {
  return {
    id,
    bot_id: 'bot1',
    visitor_id: `v-${id}`,
    visitor_email: null,
    visitor_name: null,
    status: 'open',
    human_handoff: false,
    preview: '',
    message_count: 1,
    tags: [],
    sentiment: null,
    sentiment_label: null,
    lead_score: 0,
    lead_priority: 'cold',
    waiting_since: null,
    assignee: null,
    rating: null,
    created_at: '2025-01-01T10:00:00Z',
    last_message_at: '2025-01-01T10:00:00Z',
    ...overrides,
  };
}

describe('view and filters in the URL', () => {
  it('leaves the defaults out, so the plain inbox has a plain address', () => {
    expect(filtersToSearch(DEFAULT_FILTERS)).toBe('');
    expect(inboxPath(DEFAULT_FILTERS)).toBe('/inbox');
    expect(inboxPath(DEFAULT_FILTERS, 'c 1')).toBe('/inbox/c%201');
    expect(parse('')).toEqual(DEFAULT_FILTERS);
  });

  it('round-trips every filter', () => {
    const all = filters({
      view: 'waiting',
      botId: 'b1',
      status: 'all',
      q: 'refund please',
      from: '2025-03-01',
      to: '2025-03-02',
      sentiment: 'negative',
      lead: 'warm',
      intent: 'refund',
      tag: 'vip',
      sort: 'lead',
    });
    const search = filtersToSearch(all);
    expect(search).toBe('view=waiting&bot=b1&status=all&q=refund+please&from=2025-03-01&to=2025-03-02&sentiment=negative&lead=warm&intent=refund&tag=vip&sort=lead');
    expect(parse(search)).toEqual(all);
    expect(inboxPath(all, 'c1')).toBe(`/inbox/c1?${search}`);
  });

  it('reads unknown or malformed values as the defaults', () => {
    expect(parse('view=everything&status=pending&sort=random&lead=cold&sentiment=positive&from=yesterday&to=2025-13')).toEqual(DEFAULT_FILTERS);
    expect(parse('view=mine&tag=%20vip%20').tag).toBe('vip');
  });

  it('trims text and drops blank values when writing', () => {
    expect(filtersToSearch(filters({ q: '   ', intent: ' ', tag: '' }))).toBe('');
    expect(filtersToSearch(filters({ q: ' late order ' }))).toBe('q=late+order');
  });

  it('says whether anything besides the view narrows the list', () => {
    expect(isFiltered(filters({ view: 'mine' }))).toBe(false);
    expect(isFiltered(filters({ tag: 'vip' }))).toBe(true);
    expect(isFiltered(filters({ status: 'resolved' }))).toBe(true);
  });
});

describe('order', () => {
  it('is longest waiting first in the Waiting view unless chosen otherwise', () => {
    expect(effectiveSort(filters())).toBe('recent');
    expect(effectiveSort(filters({ view: 'waiting' }))).toBe('waiting');
    expect(effectiveSort(filters({ view: 'waiting', sort: 'recent' }))).toBe('recent');
  });

  it('sorts by waiting time, lead score or activity, newest activity breaking ties', () => {
    const a = conv('a', { waiting_since: '2025-01-01T10:05:00Z', last_message_at: '2025-01-01T10:06:00Z', lead_score: 10 });
    const b = conv('b', { waiting_since: '2025-01-01T10:01:00Z', last_message_at: '2025-01-01T10:02:00Z', lead_score: 80 });
    const c = conv('c', { last_message_at: '2025-01-01T11:00:00Z', lead_score: 80 });
    expect(sortItems([a, b, c], 'waiting').map((x) => x.id)).toEqual(['b', 'a', 'c']);
    expect(sortItems([a, b, c], 'lead').map((x) => x.id)).toEqual(['c', 'b', 'a']);
    expect(sortItems([a, b, c], 'recent').map((x) => x.id)).toEqual(['c', 'a', 'b']);
    expect(comparator('waiting')(c, c)).toBe(0);
  });
});

describe('matching a conversation on the client', () => {
  const me = 'u-me';

  it('checks the views', () => {
    expect(matchesFilters(conv('a', { waiting_since: '2025-01-01T10:00:00Z' }), filters({ view: 'waiting' }), me)).toBe(true);
    expect(matchesFilters(conv('a'), filters({ view: 'waiting' }), me)).toBe(false);
    expect(matchesFilters(conv('a', { assignee: { id: me, name: 'Me' } }), filters({ view: 'mine' }), me)).toBe(true);
    expect(matchesFilters(conv('a', { assignee: { id: 'other', name: 'Bo' } }), filters({ view: 'mine' }), me)).toBe(false);
    expect(matchesFilters(conv('a'), filters({ view: 'unassigned' }), me)).toBe(true);
    expect(matchesFilters(conv('a', { assignee: { id: me, name: 'Me' } }), filters({ view: 'unassigned' }), me)).toBe(false);
  });

  it('checks sentiment, lead and tag; leaves text, dates and intents to the server', () => {
    expect(matchesFilters(conv('a', { sentiment_label: 'negative' }), filters({ sentiment: 'negative' }))).toBe(true);
    expect(matchesFilters(conv('a', { sentiment_label: 'neutral' }), filters({ sentiment: 'negative' }))).toBe(false);
    expect(matchesFilters(conv('a', { lead_priority: 'hot' }), filters({ lead: 'warm' }))).toBe(false);
    expect(matchesFilters(conv('a', { tags: ['VIP'] }), filters({ tag: 'vip' }))).toBe(true);
    expect(matchesFilters(conv('a'), filters({ intent: 'refund' }))).toBeNull();
    expect(matchesFilters(conv('a'), filters({ q: 'late' }))).toBeNull();
    // A definite "no" wins over "cannot tell".
    expect(matchesFilters(conv('a', { status: 'resolved' }), filters({ intent: 'refund' }))).toBe(false);
  });

  it('cannot tell from an event that does not carry the field', () => {
    expect(matchesFilters({ id: 'a', status: 'open' }, filters({ view: 'mine' }), me)).toBeNull();
    expect(matchesFilters({ id: 'a', status: 'open' }, filters())).toBe(true);
  });
});

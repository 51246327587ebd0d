import { describe, expect, it } from 'vitest';
import { conversationSearch } from '../../api/client';
import type { ConversationDetail, ConversationSummary, InboxMessage } from '../../api/conversations';
import { NO_INSIGHT } from '../../test/insight';
import {
  DEFAULT_FILTERS,
  addTag,
  applyLiveEvent,
  dateRangeError,
  filtersToQuery,
  parseLiveEvent,
  removeTag,
  visitorLabel,
  withFetched,
  withFreshInsight,
  type InboxFilters,
} from './inbox';

function conv(id: string, overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    bot_id: 'bot1',
    visitor_id: `v-${id}`,
    visitor_email: null,
    status: 'open',
    human_handoff: false,
    preview: `preview ${id}`,
    message_count: 2,
    tags: [],
    sentiment: null,
    lead_score: 0,
    lead_priority: 'cold',
    created_at: '2025-01-01T10:00:00Z',
    last_message_at: '2025-01-01T10:00:00Z',
    ...overrides,
  };
}

function msg(id: string, overrides: Partial<InboxMessage> = {}): InboxMessage {
  return { id, role: 'visitor', text: `text ${id}`, citations: [], model: null, latency_ms: null, insight: null, created_at: '2025-01-02T09:00:00Z', ...overrides };
}

const filters = (f: Partial<InboxFilters> = {}): InboxFilters => ({ ...DEFAULT_FILTERS, ...f });

describe('filters to query string', () => {
  it('sends only what is set, with open as the default status', () => {
    expect(conversationSearch(filtersToQuery(filters()))).toBe('status=open&limit=50');
    expect(conversationSearch(filtersToQuery(filters({ status: 'all', q: '  ' })))).toBe('limit=50');
  });

  it('sends bot, status, trimmed text and the page cursor', () => {
    const qs = new URLSearchParams(
      conversationSearch(filtersToQuery(filters({ botId: 'b-1', status: 'resolved', q: ' refund please ' }), '2025-01-05T00:00:00Z')),
    );
    expect(Object.fromEntries(qs)).toEqual({
      bot_id: 'b-1',
      status: 'resolved',
      q: 'refund please',
      before: '2025-01-05T00:00:00Z',
      limit: '50',
    });
  });

  it('turns local dates into a whole-day RFC 3339 range', () => {
    const q = filtersToQuery(filters({ from: '2025-03-01', to: '2025-03-02' }));
    expect(q.from).toBe(new Date(2025, 2, 1).toISOString());
    expect(q.to).toBe(new Date(new Date(2025, 2, 3).getTime() - 1).toISOString());
    expect(filtersToQuery(filters({ from: 'garbage' })).from).toBeUndefined();
  });

  it('says when the range is backwards', () => {
    expect(dateRangeError({ from: '2025-03-02', to: '2025-03-01' })).toMatch(/after/);
    expect(dateRangeError({ from: '2025-03-01', to: '2025-03-01' })).toBeNull();
  });
});

describe('live events', () => {
  const detail = (c: ConversationSummary): ConversationDetail => ({ conversation: c, summary: '', insight: NO_INSIGHT, messages: [msg('m1')], notes: [] });

  it('appends a new message to the open conversation and moves it to the top of the list', () => {
    const a = conv('a', { last_message_at: '2025-01-01T12:00:00Z' });
    const b = conv('b', { last_message_at: '2025-01-01T10:00:00Z' });
    const { state, refetchList } = applyLiveEvent(
      { items: [a, b], detail: detail(b) },
      { type: 'message.created', data: { conversation_id: 'b', message: msg('m2', { text: 'hello?' }) } },
      filters(),
    );
    expect(refetchList).toBe(false);
    expect(state.detail!.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(state.items.map((c) => c.id)).toEqual(['b', 'a']);
    expect(state.items[0]).toMatchObject({ preview: 'hello?', message_count: 3, last_message_at: '2025-01-02T09:00:00Z' });
  });

  it('takes only the insight from a conversation fetched again, keeping what arrived meanwhile', () => {
    const b = conv('b', { tags: ['vip'], lead_score: 10 });
    const fetched: ConversationDetail = {
      ...detail(conv('b', { tags: [], lead_score: 60, lead_priority: 'warm' })),
      messages: [msg('m1', { insight: { sentiment: 0.5, intents: [], fields: {} } as unknown as InboxMessage['insight'] })],
    };
    const current: ConversationDetail = { ...detail(b), messages: [msg('m1'), msg('m2', { role: 'bot' })] };
    const merged = withFreshInsight(current, fetched);
    expect(merged.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(merged.messages[0]!.insight).toEqual(fetched.messages[0]!.insight);
    expect(merged.conversation).toMatchObject({ tags: ['vip'], lead_score: 60, lead_priority: 'warm' });
    expect(withFreshInsight(current, detail(conv('other')))).toBe(current);
  });

  it('takes a conversation fetched again whole only when nothing landed while it was fetched', () => {
    const shown = detail(conv('b'));
    const fetched: ConversationDetail = { ...detail(conv('b', { tags: ['teammate'], lead_score: 60 })), messages: [msg('m1')] };
    // Nothing changed here meanwhile: the answer is the newest there is (a poll brings a teammate's tag).
    expect(withFetched(shown, shown, fetched)).toBe(fetched);
    // A tag was saved while the fetch was on its way, and the answer was read before the save.
    const tagged: ConversationDetail = { ...shown, conversation: { ...shown.conversation, tags: ['address-change'] } };
    const merged = withFetched(shown, tagged, { ...fetched, conversation: { ...fetched.conversation, tags: [] } });
    expect(merged.conversation).toMatchObject({ tags: ['address-change'], lead_score: 60 });
    expect(withFetched(shown, shown, detail(conv('other')))).toBe(shown);
  });

  it('does not add the same message twice (reply answer and event)', () => {
    const b = conv('b');
    const once = applyLiveEvent({ items: [b], detail: detail(b) }, { type: 'message.created', data: { conversation_id: 'b', message: msg('m1') } }, filters());
    expect(once.state.detail!.messages).toHaveLength(1);
    expect(once.state.items[0]!.message_count).toBe(2);
  });

  it('asks for the list again when a message arrives for a conversation it does not have', () => {
    const r = applyLiveEvent({ items: [conv('a')], detail: null }, { type: 'message.created', data: { conversation_id: 'new', message: msg('x') } }, filters());
    expect(r.refetchList).toBe(true);
    expect(r.state.items.map((c) => c.id)).toEqual(['a']);
  });

  it('replaces an updated conversation, and drops it when it leaves the filter', () => {
    const a = conv('a');
    const taken = applyLiveEvent(
      { items: [a], detail: detail(a) },
      { type: 'conversation.updated', data: { conversation: { ...a, human_handoff: true } } },
      filters(),
    );
    expect(taken.state.items[0]!.human_handoff).toBe(true);
    expect(taken.state.detail!.conversation.human_handoff).toBe(true);

    const resolved = applyLiveEvent(
      { items: [a], detail: detail(a) },
      { type: 'conversation.updated', data: { conversation: { ...a, status: 'resolved' } } },
      filters({ status: 'open' }),
    );
    expect(resolved.state.items).toEqual([]);
    expect(resolved.state.detail!.conversation.status).toBe('resolved');
  });

  it('inserts a new matching conversation, ignores other bots, refetches when it cannot tell', () => {
    const fresh = conv('n', { last_message_at: '2025-02-01T00:00:00Z' });
    const ev = { type: 'conversation.updated' as const, data: { conversation: fresh } };
    expect(applyLiveEvent({ items: [conv('a')], detail: null }, ev, filters()).state.items.map((c) => c.id)).toEqual(['n', 'a']);
    expect(applyLiveEvent({ items: [conv('a')], detail: null }, ev, filters({ botId: 'other' })).state.items.map((c) => c.id)).toEqual(['a']);
    const searched = applyLiveEvent({ items: [], detail: null }, ev, filters({ q: 'refund' }));
    expect(searched.refetchList).toBe(true);
    expect(searched.state.items).toEqual([]);
  });

  it('parses stream events and rejects junk', () => {
    expect(parseLiveEvent('message.created', JSON.stringify({ conversation_id: 'c', message: msg('m') }))?.type).toBe('message.created');
    expect(parseLiveEvent('conversation.updated', '{"conversation":{"id":"c"}}')?.type).toBe('conversation.updated');
    expect(parseLiveEvent('message.created', 'not json')).toBeNull();
    expect(parseLiveEvent('message.created', '{"conversation_id":1}')).toBeNull();
    expect(parseLiveEvent('something.else', '{}')).toBeNull();
  });
});

describe('tags and labels', () => {
  it('adds trimmed tags once, ignoring case', () => {
    expect(addTag(['vip'], '  refund ')).toEqual(['vip', 'refund']);
    expect(addTag(['VIP'], 'vip')).toEqual(['VIP']);
    expect(addTag([], '   ')).toEqual([]);
    expect(removeTag(['a', 'b'], 'a')).toEqual(['b']);
  });

  it('names anonymous visitors', () => {
    expect(visitorLabel({ visitor_email: null })).toBe('Anonymous visitor');
    expect(visitorLabel({ visitor_email: 'sam@example.com' })).toBe('sam@example.com');
  });
});

describe('stream events as the server sends them today', () => {
  it('turns epoch-millisecond times into RFC 3339', () => {
    const ev = parseLiveEvent(
      'message.created',
      JSON.stringify({ conversation_id: 'c', message: { id: 'm', role: 'agent', text: 'hi', citations: [], model: null, latency_ms: null, created_at: 1735812000000 } }),
    );
    expect(ev?.type === 'message.created' && ev.data.message.created_at).toBe('2025-01-02T10:00:00.000Z');
  });

  it('merges a conversation.updated that carries only the changed fields', () => {
    const ev = parseLiveEvent('conversation.updated', '{"conversation_id":"a","human_handoff":true,"status":"open"}');
    expect(ev).toEqual({ type: 'conversation.changed', data: { conversation_id: 'a', changes: { human_handoff: true, status: 'open' } } });
    const a = conv('a');
    const r = applyLiveEvent({ items: [a, conv('b')], detail: { conversation: a, summary: '', insight: NO_INSIGHT, messages: [], notes: [] } }, ev!, filters());
    expect(r.state.items.find((c) => c.id === 'a')).toEqual({ ...a, human_handoff: true });
    expect(r.state.detail!.conversation.human_handoff).toBe(true);

    const resolved = parseLiveEvent('conversation.updated', '{"conversation_id":"a","status":"resolved"}')!;
    expect(applyLiveEvent({ items: [a], detail: null }, resolved, filters()).state.items).toEqual([]);
    expect(applyLiveEvent({ items: [], detail: null }, resolved, filters({ status: 'all' })).refetchList).toBe(true);
  });
});

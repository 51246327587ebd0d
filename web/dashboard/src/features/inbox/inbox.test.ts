import { describe, expect, it } from 'vitest';
import { NO_INSIGHT } from '../../test/insight';
import type { Detail, Message, Summary } from './contract';
import { DEFAULT_FILTERS, dateRangeError, filtersToQuery, type InboxFilters } from './filters';
import { addTag, applyLiveEvent, parseLiveEvent, removeTag, withFetched, withFreshInsight } from './inbox';
import { visitorLabel } from './labels';

function conv(id: string, overrides: Partial<Summary> = {}): Summary {
  return {
    id,
    bot_id: 'bot1',
    visitor_id: `v-${id}`,
    visitor_email: null,
    visitor_name: null,
    status: 'open',
    human_handoff: false,
    preview: `preview ${id}`,
    message_count: 2,
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

function msg(id: string, overrides: Partial<Message> = {}): Message {
  return { id, role: 'visitor', text: `text ${id}`, citations: [], model: null, latency_ms: null, insight: null, created_at: '2025-01-02T09:00:00Z', ...overrides };
}

const filters = (f: Partial<InboxFilters> = {}): InboxFilters => ({ ...DEFAULT_FILTERS, ...f });

describe('filters to query string', () => {
  it('sends only what is set, with open as the default status', () => {
    expect(filtersToQuery(filters())).toEqual({ status: 'open', limit: 50 });
    expect(filtersToQuery(filters({ status: 'all', q: '  ' }))).toEqual({ limit: 50 });
  });

  it('sends bot, status, trimmed text and the page cursor', () => {
    expect(filtersToQuery(filters({ botId: 'b-1', status: 'resolved', q: ' refund please ' }), '2025-01-05T00:00:00Z')).toEqual({
      bot_id: 'b-1',
      status: 'resolved',
      q: 'refund please',
      before: '2025-01-05T00:00:00Z',
      limit: 50,
    });
  });

  it('sends the view, the insight filters and an explicit order', () => {
    expect(
      filtersToQuery(filters({ view: 'waiting', sentiment: 'negative', lead: 'hot', intent: ' refund ', tag: 'vip', sort: 'lead' })),
    ).toEqual({ status: 'open', limit: 50, view: 'waiting', sentiment: 'negative', lead: 'hot', intent: 'refund', tag: 'vip', sort: 'lead' });
    // The view's own order is the server's default: not sent.
    expect(filtersToQuery(filters({ view: 'waiting' })).sort).toBeUndefined();
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
  const detail = (c: Summary): Detail => ({ conversation: c, summary: '', insight: NO_INSIGHT, messages: [msg('m1')], notes: [] });

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
    const fetched: Detail = {
      ...detail(conv('b', { tags: [], lead_score: 60, lead_priority: 'warm' })),
      messages: [msg('m1', { insight: { sentiment: 0.5, intents: [], fields: {} } as unknown as Message['insight'] })],
    };
    const current: Detail = { ...detail(b), messages: [msg('m1'), msg('m2', { role: 'bot' })] };
    const merged = withFreshInsight(current, fetched);
    expect(merged.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(merged.messages[0]!.insight).toEqual(fetched.messages[0]!.insight);
    expect(merged.conversation).toMatchObject({ tags: ['vip'], lead_score: 60, lead_priority: 'warm' });
    expect(withFreshInsight(current, detail(conv('other')))).toBe(current);
  });

  it('takes a conversation fetched again whole only when nothing landed while it was fetched', () => {
    const shown = detail(conv('b'));
    const fetched: Detail = { ...detail(conv('b', { tags: ['teammate'], lead_score: 60 })), messages: [msg('m1')] };
    // Nothing changed here meanwhile: the answer is the newest there is (a poll brings a teammate's tag).
    expect(withFetched(shown, shown, fetched)).toBe(fetched);
    // A tag was saved while the fetch was on its way, and the answer was read before the save.
    const tagged: Detail = { ...shown, conversation: { ...shown.conversation, tags: ['address-change'] } };
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

describe('issue 28 events', () => {
  const detail = (c: Summary): Detail => ({ conversation: c, summary: '', insight: NO_INSIGHT, messages: [], notes: [] });

  it('parses handoff.requested and puts the conversation at the top of the Waiting view', () => {
    const ev = parseLiveEvent(
      'handoff.requested',
      JSON.stringify({ conversation: conv('n', { waiting_since: '2025-01-01T09:00:00Z', visitor_name: 'Sam' }) }),
    );
    expect(ev?.type).toBe('handoff.requested');
    const waitingLonger = conv('a', { waiting_since: '2025-01-01T09:30:00Z' });
    const r = applyLiveEvent({ items: [waitingLonger], detail: null }, ev!, filters({ view: 'waiting' }));
    expect(r.state.items.map((c) => c.id)).toEqual(['n', 'a']);
    expect(parseLiveEvent('handoff.requested', '{"conversation":{}}')).toBeNull();
  });

  it('lets an agent reply end the wait: out of the Waiting view, still in All', () => {
    const a = conv('a', { waiting_since: '2025-01-01T09:30:00Z', human_handoff: true });
    const reply = { type: 'message.created' as const, data: { conversation_id: 'a', message: msg('m9', { role: 'agent', author: { id: 'u-ada', name: 'Ada' } }) } };
    expect(applyLiveEvent({ items: [a], detail: null }, reply, filters({ view: 'waiting' })).state.items).toEqual([]);
    const all = applyLiveEvent({ items: [a], detail: detail(a) }, reply, filters());
    expect(all.state.items[0]!.waiting_since).toBeNull();
    expect(all.state.detail!.conversation.waiting_since).toBeNull();
    expect(all.state.detail!.messages[0]!.author?.name).toBe('Ada');
  });

  it('moves a conversation between Mine and Unassigned as its assignee changes', () => {
    const a = conv('a');
    const assigned = parseLiveEvent('conversation.updated', JSON.stringify({ conversation_id: 'a', assignee: { id: 'me', name: 'Ada' } }))!;
    expect(applyLiveEvent({ items: [a], detail: null }, assigned, filters({ view: 'unassigned' }), 'me').state.items).toEqual([]);
    const mine = applyLiveEvent({ items: [], detail: null }, assigned, filters({ view: 'mine' }), 'me');
    expect(mine.refetchList).toBe(true);
  });

  it('keeps the chosen order after an update', () => {
    const hot = conv('hot', { lead_score: 90, last_message_at: '2025-01-01T08:00:00Z' });
    const cold = conv('cold', { lead_score: 5, last_message_at: '2025-01-01T09:00:00Z' });
    const ev = { type: 'conversation.updated' as const, data: { conversation: { ...cold, tags: ['x'] } } };
    expect(applyLiveEvent({ items: [hot, cold], detail: null }, ev, filters({ sort: 'lead' })).state.items.map((c) => c.id)).toEqual(['hot', 'cold']);
    expect(applyLiveEvent({ items: [hot, cold], detail: null }, ev, filters()).state.items.map((c) => c.id)).toEqual(['cold', 'hot']);
  });

  it('normalises the new fields of a message and of a partial update', () => {
    const m = parseLiveEvent('message.created', JSON.stringify({ conversation_id: 'c', message: { id: 'm', role: 'visitor', text: '', created_at: '2025-01-01T00:00:00Z' } }));
    expect(m?.type === 'message.created' && m.data.message).toMatchObject({ attachments: [], author: null, citations: [], insight: null });
    const c = parseLiveEvent('conversation.updated', JSON.stringify({ conversation_id: 'c', waiting_since: 1735812000000, rating: { score: 4, comment: null } }));
    expect(c).toEqual({ type: 'conversation.changed', data: { conversation_id: 'c', changes: { waiting_since: '2025-01-02T10:00:00.000Z', rating: { score: 4, comment: null } } } });
  });
});

describe('stream events as the server sends them (ids for names, a bare rating)', () => {
  const detail = (c: Summary): Detail => ({ conversation: c, summary: '', insight: NO_INSIGHT, messages: [], notes: [] });

  it('reads a handoff.requested without the summary as changes, and resync as resync', () => {
    const ev = parseLiveEvent(
      'handoff.requested',
      JSON.stringify({ conversation_id: 'a', bot_id: 'bot1', preview: 'A person please', waiting_since: '2025-01-01T09:00:00Z', assignee_id: null }),
    );
    expect(ev).toEqual({
      type: 'handoff.requested',
      data: {
        conversation_id: 'a',
        conversation: null,
        changes: { bot_id: 'bot1', preview: 'A person please', waiting_since: '2025-01-01T09:00:00Z', assignee: null },
      },
    });
    const listed = applyLiveEvent({ items: [conv('a')], detail: null }, ev!, filters({ view: 'waiting' }));
    expect(listed.state.items[0]!.waiting_since).toBe('2025-01-01T09:00:00Z');
    expect(applyLiveEvent({ items: [], detail: null }, ev!, filters({ view: 'waiting' })).refetchList).toBe(true);
    expect(parseLiveEvent('resync', '{}')).toEqual({ type: 'resync', data: {} });
  });

  it('keeps the name of an assignee named by id only, and fetches the list for a new one', () => {
    const a = conv('a', { assignee: { id: 'u1', name: 'Ada' } });
    const same = parseLiveEvent('conversation.updated', JSON.stringify({ conversation_id: 'a', assignee_id: 'u1', rating: 4 }))!;
    expect(same).toMatchObject({ data: { changes: { assignee: { id: 'u1', name: '' }, rating: { score: 4, comment: null } } } });
    const kept = applyLiveEvent({ items: [a], detail: detail(a) }, same, filters());
    expect(kept.state.items[0]!.assignee).toEqual({ id: 'u1', name: 'Ada' });
    expect(kept.state.detail!.conversation.assignee).toEqual({ id: 'u1', name: 'Ada' });
    expect(kept.refetchList).toBe(false);
    const other = parseLiveEvent('conversation.updated', JSON.stringify({ conversation_id: 'a', assignee_id: 'u2' }))!;
    expect(applyLiveEvent({ items: [a], detail: null }, other, filters()).refetchList).toBe(true);
    const none = parseLiveEvent('conversation.updated', JSON.stringify({ conversation_id: 'a', assignee_id: null }))!;
    expect(applyLiveEvent({ items: [a], detail: null }, none, filters()).state.items[0]!.assignee).toBeNull();
  });
});

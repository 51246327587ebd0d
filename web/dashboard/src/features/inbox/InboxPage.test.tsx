// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ConversationSummary, InboxMessage } from '../../api/conversations';
import type { ConversationInsight, Trend } from '../../api/insight';
import { ME, bot, json, type Handler, type Recorded } from '../../test/fakeFetch';
import { NO_INSIGHT, messageInsight } from '../../test/insight';
import { renderApp } from '../../test/renderApp';
import { FakeEventSource } from './fakeEventSource.test-util';

afterEach(cleanup);

const sample = bot();

/**
 * A route whose answers can be held back: each is made when its request arrives (the
 * server's state then) and delivered on release(), after whatever happened meanwhile.
 */
function holdable(handler: Handler) {
  let held: Array<() => void> | null = null;
  return {
    handler: (req: Recorded) => {
      const answer = handler(req);
      const waiting = held;
      return waiting ? new Promise<Response>((resolve) => waiting.push(() => resolve(answer))) : answer;
    },
    hold() {
      held = [];
    },
    release() {
      const waiting = held ?? [];
      held = null;
      waiting.forEach((deliver) => deliver());
    },
  };
}

/** Lets pending fetches answer and their handlers run, without leaving an enclosing act(). */
const answered = () => new Promise((resolve) => setTimeout(resolve, 50));

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

function conv(id: string, overrides: Partial<ConversationSummary> = {}): ConversationSummary {
  return {
    id,
    bot_id: sample.id,
    visitor_id: `v-${id}`,
    visitor_email: null,
    status: 'open',
    human_handoff: false,
    preview: 'How long does shipping take?',
    message_count: 2,
    tags: ['shipping'],
    sentiment: null,
    lead_score: 0,
    lead_priority: 'cold',
    created_at: '2025-01-01T10:00:00Z',
    last_message_at: '2025-01-01T10:01:00Z',
    ...overrides,
  };
}

function message(id: string, role: InboxMessage['role'], text: string, extra: Partial<InboxMessage> = {}): InboxMessage {
  return { id, role, text, citations: [], model: null, latency_ms: null, insight: null, created_at: '2025-01-01T10:01:00Z', ...extra };
}

function routes(state: { summary: ConversationSummary; messages: InboxMessage[]; insight?: ConversationInsight }) {
  const c1 = () => state.summary;
  return {
    'GET /api/v1/auth/me': () => json(200, ME),
    'GET /api/v1/bots': () => json(200, { items: [sample] }),
    'GET /api/v1/conversations': () =>
      json(200, { items: [conv('c2', { visitor_email: 'sam@example.com', last_message_at: '2025-01-01T09:00:00Z', preview: 'Older' }), c1()], next_before: null }),
    'GET /api/v1/conversations/c1': () => json(200, { conversation: c1(), summary: '', insight: state.insight ?? NO_INSIGHT, messages: state.messages, notes: [] }),
    'POST /api/v1/conversations/c1/handoff': (req: { body: unknown }) => {
      state.summary = { ...state.summary, human_handoff: (req.body as { action: string }).action === 'take' };
      return json(200, state.summary);
    },
    'POST /api/v1/conversations/c1/messages': (req: { body: unknown }) =>
      json(201, message('m-agent', 'agent', (req.body as { text: string }).text, { created_at: '2025-01-01T10:05:00Z' })),
    'PATCH /api/v1/conversations/c1': (req: { body: unknown }) => {
      state.summary = { ...state.summary, ...(req.body as object) };
      return json(200, state.summary);
    },
  };
}

const initialMessages = () => [
  message('m1', 'visitor', 'How long does shipping take?'),
  message('m2', 'bot', 'Standard shipping takes 3 to 5 business days.', {
    citations: [{ kind: 'passage', title: 'shipping.md', heading: 'Delivery times', document_id: 'd1' }],
  }),
];

describe('inbox', () => {
  it('lists conversations newest first with the filters as the query', async () => {
    const { calls } = renderApp('/inbox', routes({ summary: conv('c1'), messages: initialMessages() }));
    const list = await screen.findByRole('region', { name: 'Conversations' });
    const rows = await within(list).findAllByRole('link');
    expect(rows.map((r) => r.querySelector('.conversation-visitor')?.textContent)).toEqual(['Anonymous visitor', 'sam@example.com']);
    expect(within(rows[0]!).getByText(/^2 messages · Support Bot$/)).toBeTruthy();
    const first = calls.find((c) => c.path === '/api/v1/conversations');
    expect(Object.fromEntries(first!.query)).toEqual({ status: 'open', limit: '50' });

    fireEvent.click(screen.getByLabelText('All'));
    fireEvent.change(screen.getByLabelText('Bot'), { target: { value: sample.id } });
    await waitFor(() => {
      const last = calls.filter((c) => c.path === '/api/v1/conversations').at(-1)!;
      expect(Object.fromEntries(last.query)).toEqual({ bot_id: sample.id, limit: '50' });
    });
  });

  it('shows the transcript with citations, takes over, replies and hands back', async () => {
    const state = { summary: conv('c1'), messages: initialMessages() };
    const { calls } = renderApp('/inbox/c1', routes(state));
    const transcript = await screen.findByRole('list', { name: 'Transcript' });
    expect(within(transcript).getByText('Standard shipping takes 3 to 5 business days.')).toBeTruthy();
    expect(within(transcript).getByRole('link', { name: 'shipping.md · Delivery times' }).getAttribute('href')).toBe(
      `/app/bots/${sample.id}/knowledge`,
    );
    expect(screen.queryByLabelText('Reply to visitor')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Take over' }));
    const reply = await screen.findByLabelText('Reply to visitor');
    expect(calls.find((c) => c.path.endsWith('/handoff'))?.body).toEqual({ action: 'take' });
    expect(screen.getAllByText('Human').length).toBeGreaterThan(0);

    fireEvent.change(reply, { target: { value: 'Hi, this is Ada. Let me check your order.' } });
    fireEvent.keyDown(reply, { key: 'Enter' });
    expect(await within(transcript).findByText('Hi, this is Ada. Let me check your order.')).toBeTruthy();
    expect(calls.find((c) => c.path.endsWith('/messages'))?.body).toEqual({ text: 'Hi, this is Ada. Let me check your order.' });
    expect((reply as HTMLTextAreaElement).value).toBe('');

    // The same message arriving on the stream is not shown twice.
    const source = FakeEventSource.all[0]!;
    source.open();
    source.emit('message.created', { conversation_id: 'c1', message: message('m-agent', 'agent', 'Hi, this is Ada. Let me check your order.') });
    expect(within(transcript).getAllByText('Hi, this is Ada. Let me check your order.')).toHaveLength(1);

    fireEvent.click(screen.getByRole('button', { name: 'Hand back to bot' }));
    await screen.findByRole('button', { name: 'Take over' });
    expect(screen.queryByLabelText('Reply to visitor')).toBeNull();
    expect(calls.filter((c) => c.path.endsWith('/handoff')).map((c) => c.body)).toEqual([{ action: 'take' }, { action: 'release' }]);
  });

  it('shows live messages from the stream and falls back to polling when it fails', async () => {
    renderApp('/inbox/c1', routes({ summary: conv('c1'), messages: initialMessages() }));
    const transcript = await screen.findByRole('list', { name: 'Transcript' });
    const source = FakeEventSource.all[0]!;
    expect(source.url).toMatch(/\/api\/v1\/stream$/);
    source.open();
    expect(await screen.findByText('Live')).toBeTruthy();

    source.emit('message.created', {
      conversation_id: 'c1',
      message: message('m3', 'visitor', 'Can I talk to a person?', { created_at: '2025-01-01T11:00:00Z' }),
    });
    expect(within(transcript).getByText('Can I talk to a person?')).toBeTruthy();
    const list = screen.getByRole('region', { name: 'Conversations' });
    expect(within(list).getAllByRole('link')[0]!.textContent).toMatch(/Can I talk to a person\?/);
    expect(within(list).getByText(/^3 messages/)).toBeTruthy();

    source.fail();
    expect(source.closed).toBe(true);
    expect(await screen.findByText('Refreshing every 5 s')).toBeTruthy();
  });

  it('resolves a conversation and adds a tag', async () => {
    const state = { summary: conv('c1'), messages: initialMessages() };
    const { calls } = renderApp('/inbox/c1', routes(state));
    fireEvent.click(await screen.findByRole('button', { name: 'Resolve' }));
    await screen.findByRole('button', { name: 'Reopen' });
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ status: 'resolved' });

    fireEvent.change(screen.getByLabelText('Add tag'), { target: { value: ' refund ' } });
    fireEvent.submit(screen.getByLabelText('Add tag').closest('form')!);
    await screen.findByRole('button', { name: 'Remove tag refund' });
    expect(calls.filter((c) => c.method === 'PATCH').at(-1)?.body).toEqual({ tags: ['shipping', 'refund'] });
  });

  it('shows insight: list dot and priority, message sentiment and intents, trend and lead; refreshes it on a visitor message', async () => {
    const angry = message('m1', 'visitor', 'This is the third time my order is late. Useless!', {
      insight: messageInsight(-0.62, [{ intent: 'complaint', confidence: 0.8, evidence: ['useless'] }]),
    });
    const state = {
      summary: conv('c1', { sentiment: -0.62, lead_score: 74, lead_priority: 'hot' as const }),
      messages: [angry, message('m2', 'bot', 'Sorry to hear that.')],
      insight: {
        sentiment: { count: 1, average: -0.62, first: -0.62, last: -0.62, trend: 'steady' as Trend },
        lead: { ...NO_INSIGHT.lead, score: 74, priority: 'hot' as const, breakdown: [{ name: 'budget', points: 74, evidence: 'budget of $20,000' }] },
      },
    };
    const { calls } = renderApp('/inbox/c1', routes(state));
    const transcript = await screen.findByRole('list', { name: 'Transcript' });

    const list = screen.getByRole('region', { name: 'Conversations' });
    const row = within(list).getAllByRole('link').find((a) => a.getAttribute('aria-current') === 'true')!;
    // The sentiment is a word, with the score on hover.
    expect(within(row).getByText('Negative').closest('[title]')?.getAttribute('title')).toBe('Sentiment: negative (-0.62)');
    expect(within(row).getByText('Hot lead')).toBeTruthy();
    // Cold leads get no badge: the other row has none.
    expect(within(list).getAllByText(/lead$/)).toHaveLength(1);

    const visitor = within(transcript).getAllByRole('listitem')[0]!;
    expect(within(visitor).getByText('Sentiment: negative (-0.62)')).toBeTruthy();
    expect(within(visitor).getByRole('list', { name: 'Intents' }).textContent).toBe('complaint 80%');
    expect(within(transcript).getAllByText(/^Sentiment:/)).toHaveLength(1); // bot messages carry none

    expect(screen.getByRole('img', { name: /^Sentiment trend over 1 visitor message: first -0\.62/ })).toBeTruthy();
    const lead = screen.getByRole('region', { name: 'Lead' });
    expect(within(lead).getByRole('meter', { name: 'Lead score' }).getAttribute('aria-valuenow')).toBe('74');
    expect(within(lead).getByText('budget of $20,000')).toBeTruthy();

    // A live visitor message changes the fold: the conversation is fetched again.
    const source = FakeEventSource.all[0]!;
    source.open();
    const gets = () => calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/conversations/c1').length;
    const before = gets();
    const calmer = message('m3', 'visitor', 'Thanks, that helps.', { created_at: '2025-01-01T11:00:00Z', insight: messageInsight(0.44) });
    state.messages = [...state.messages, calmer];
    state.insight = { ...state.insight, sentiment: { count: 2, average: -0.3, first: -0.62, last: 0.44, trend: 'improving' } };
    source.emit('message.created', { conversation_id: 'c1', message: calmer });
    await waitFor(() => expect(gets()).toBe(before + 1));
    expect(await screen.findByRole('img', { name: /over 2 visitor messages: .* improving\.$/ })).toBeTruthy();
    source.emit('message.created', { conversation_id: 'c1', message: message('m4', 'bot', 'Glad to help.') });
    expect(gets()).toBe(before + 1);
  });
});

describe('inbox: nothing older undoes what the agent just saved', () => {
  const tagInput = () => screen.getByLabelText('Add tag') as HTMLInputElement;
  const addTagNow = (tag: string) => {
    fireEvent.change(tagInput(), { target: { value: tag } });
    fireEvent.submit(tagInput().closest('form')!);
  };

  // Inside one act() React renders only at its end: what happens there lands
  // "before the page renders again", as two network answers can in a browser.

  it('keeps a tag when the stream event of its save lands before the page renders again', async () => {
    const state = { summary: conv('c1', { human_handoff: true }), messages: initialMessages() };
    renderApp('/inbox/c1', routes(state));
    await screen.findByLabelText('Add tag');
    const source = FakeEventSource.all[0]!;
    source.open();
    await act(async () => {
      addTagNow('address-change');
      await answered();
      // The server announces the save too (status and handoff only), right after its answer.
      source.dispatch('conversation.updated', { conversation_id: 'c1', status: 'open', human_handoff: true });
    });
    expect(screen.getByRole('button', { name: 'Remove tag address-change' })).toBeTruthy();
    expect(tagInput().value).toBe('');
  });

  it('keeps a bot reply when the fetch after a visitor message answers before the page renders again', async () => {
    const state = { summary: conv('c1'), messages: initialMessages() };
    const get = holdable(routes(state)['GET /api/v1/conversations/c1']);
    const { calls } = renderApp('/inbox/c1', { ...routes(state), 'GET /api/v1/conversations/c1': get.handler });
    const transcript = await screen.findByRole('list', { name: 'Transcript' });
    const source = FakeEventSource.all[0]!;
    source.open();
    get.hold();
    const question = message('m3', 'visitor', 'Is shipping free?', { created_at: '2025-01-01T11:00:00Z' });
    state.messages = [...state.messages, question];
    source.emit('message.created', { conversation_id: 'c1', message: question });
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/v1/conversations/c1')).toHaveLength(2));
    await act(async () => {
      source.dispatch('message.created', { conversation_id: 'c1', message: message('m4', 'bot', 'It is, over $75.') });
      get.release();
      await answered();
    });
    expect(within(transcript).getByText('It is, over $75.')).toBeTruthy();
  });

  it('keeps a tag saved while a poll was on its way', async () => {
    const state = { summary: conv('c1'), messages: initialMessages() };
    const get = holdable(routes(state)['GET /api/v1/conversations/c1']);
    const { calls } = renderApp('/inbox/c1', { ...routes(state), 'GET /api/v1/conversations/c1': get.handler });
    await screen.findByLabelText('Add tag');
    get.hold();
    FakeEventSource.all[0]!.reconnect(); // catches up with one poll, which reads the conversation untagged
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/v1/conversations/c1')).toHaveLength(2));
    addTagNow('address-change');
    await screen.findByRole('button', { name: 'Remove tag address-change' });
    await act(async () => {
      get.release();
      await answered();
    });
    expect(screen.getByRole('button', { name: 'Remove tag address-change' })).toBeTruthy();
  });

  it('keeps a tag saved while taking over was on its way', async () => {
    const state = { summary: conv('c1'), messages: initialMessages() };
    const handoff = holdable(routes(state)['POST /api/v1/conversations/c1/handoff']);
    const { calls } = renderApp('/inbox/c1', { ...routes(state), 'POST /api/v1/conversations/c1/handoff': handoff.handler });
    await screen.findByLabelText('Add tag');
    handoff.hold();
    fireEvent.click(screen.getByRole('button', { name: 'Take over' }));
    await waitFor(() => expect(calls.some((c) => c.path.endsWith('/handoff'))).toBe(true));
    addTagNow('refund');
    await screen.findByRole('button', { name: 'Remove tag refund' });
    // The take-over's answer was made before the tag was saved.
    await act(async () => {
      handoff.release();
      await answered();
    });
    expect(screen.getByLabelText('Reply to visitor')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Remove tag refund' })).toBeTruthy();
  });
});

// @vitest-environment happy-dom
// The inbox as a team works it (issue 28): views with counts, filters in the address,
// who the visitor is, assignment, canned replies, images, ratings and authors.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, bot, json, type Recorded } from '../../test/fakeFetch';
import { NO_INSIGHT } from '../../test/insight';
import { renderApp } from '../../test/renderApp';
import type { Agent, CannedReply, Counts, Message, Summary } from './contract';
import { FakeEventSource } from './fakeEventSource.test-util';

afterEach(cleanup);
beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

const sample = bot();
const MINUTE = 60_000;

function conv(id: string, overrides: Partial<Summary> = {}): Summary {
  return {
    id,
    bot_id: sample.id,
    visitor_id: `v-${id}`,
    visitor_email: null,
    visitor_name: null,
    status: 'open',
    human_handoff: false,
    preview: 'How long does shipping take?',
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
    last_message_at: '2025-01-01T10:01:00Z',
    ...overrides,
  };
}

function message(id: string, role: Message['role'], text: string, extra: Partial<Message> = {}): Message {
  return { id, role, text, citations: [], model: null, latency_ms: null, insight: null, created_at: '2025-01-01T10:01:00Z', attachments: [], author: null, ...extra };
}

const COUNTS: Counts = { all: 3, waiting: 2, mine: 0, unassigned: 3, negative: 1, hot: 1, warm: 0 };
const AGENTS: Agent[] = [
  { id: 'u-bo', name: 'Bo Agent', email: 'bo@example.com', role: 'agent', presence: 'away' },
  { id: ME.user.id, name: ME.user.name, email: ME.user.email, role: 'owner', presence: 'online' },
  { id: 'u-cy', name: 'Cy Agent', email: 'cy@example.com', role: 'agent', presence: 'offline' },
];

interface World {
  items: Summary[];
  messages: Record<string, Message[]>;
  counts: Counts;
  canned: CannedReply[];
}

function world(overrides: Partial<World> = {}): World {
  const waitingSince = new Date(Date.now() - 4 * MINUTE - 10_000).toISOString();
  return {
    items: [
      conv('c1', { visitor_name: 'Sam Lee', visitor_email: 'sam@example.com', sentiment: -0.62, sentiment_label: 'negative' }),
      conv('c2', { visitor_email: 'kim@example.com', waiting_since: waitingSince, last_message_at: '2025-01-01T09:00:00Z' }),
      conv('c3', { waiting_since: new Date(Date.now() - 30 * MINUTE).toISOString(), last_message_at: '2025-01-01T08:00:00Z' }),
    ],
    messages: {},
    counts: { ...COUNTS },
    canned: [],
    ...overrides,
  };
}

function routes(w: World) {
  const find = (id: string) => w.items.find((c) => c.id === id)!;
  const update = (id: string, change: Partial<Summary>) => {
    w.items = w.items.map((c) => (c.id === id ? { ...c, ...change } : c));
    return find(id);
  };
  const detail = (id: string) => () =>
    json(200, { conversation: find(id), summary: '', insight: NO_INSIGHT, messages: w.messages[id] ?? [], notes: [] });
  return {
    'GET /api/v1/auth/me': () => json(200, ME),
    'GET /api/v1/bots': () => json(200, { items: [sample] }),
    'POST /api/v1/presence': () => new Response(null, { status: 204 }),
    'GET /api/v1/conversations': (req: Recorded) => {
      const view = req.query.get('view');
      const items = w.items.filter((c) =>
        view === 'waiting' ? c.waiting_since !== null : view === 'mine' ? c.assignee?.id === ME.user.id : view === 'unassigned' ? c.assignee === null : true,
      );
      return json(200, { items, next_before: null });
    },
    'GET /api/v1/conversations/counts': () => json(200, w.counts),
    'GET /api/v1/agents': () => json(200, AGENTS),
    'GET /api/v1/canned-replies': () => json(200, w.canned),
    'GET /api/v1/conversations/c1': detail('c1'),
    'GET /api/v1/conversations/c2': detail('c2'),
    'PUT /api/v1/conversations/c1/assignee': (req: Recorded) => {
      const id = (req.body as { user_id: string | null }).user_id;
      const agent = AGENTS.find((a) => a.id === id);
      w.counts = { ...w.counts, mine: id === ME.user.id ? 1 : 0, unassigned: 2 };
      return json(200, update('c1', { assignee: agent ? { id: agent.id, name: agent.name } : null }));
    },
    'PATCH /api/v1/conversations/c1': (req: Recorded) => json(200, update('c1', { ...(req.body as object), human_handoff: false, waiting_since: null })),
    'POST /api/v1/conversations/c2/messages': (req: Recorded) =>
      json(201, message('m-agent', 'agent', (req.body as { text: string }).text, { author: { id: ME.user.id, name: ME.user.name } })),
  };
}

const listRegion = () => screen.getByRole('region', { name: 'Conversations' });
const visitors = () => within(listRegion()).getAllByRole('link').map((r) => r.querySelector('.conversation-visitor')?.textContent);
const pageQuery = () => Object.fromEntries(new URLSearchParams(window.location.search));

describe('views and filters', () => {
  it('shows the views with their counts, and Waiting lists the longest waiting first', async () => {
    const { calls } = renderApp('/inbox', routes(world()));
    const views = await screen.findByRole('navigation', { name: 'Views' });
    await waitFor(() => expect(within(views).getByRole('link', { name: /Waiting for a human/ }).textContent).toContain('2'));
    expect(within(views).getByRole('link', { name: /^All/ }).getAttribute('aria-current')).toBe('page');
    // The shell says the agent is online.
    expect(calls.find((c) => c.path === '/api/v1/presence')?.body).toEqual({ status: 'online' });
    expect(within(views).getByRole('link', { name: /Unassigned/ }).textContent).toContain('3');
    // Names and emails instead of "Anonymous visitor" where known.
    await waitFor(() => expect(visitors()).toEqual(['Sam Lee', 'kim@example.com', 'Anonymous visitor']));

    fireEvent.click(within(views).getByRole('link', { name: /Waiting for a human/ }));
    await waitFor(() => expect(visitors()).toEqual(['Anonymous visitor', 'kim@example.com']));
    expect(pageQuery()).toEqual({ view: 'waiting' });
    expect(calls.filter((c) => c.path === '/api/v1/conversations').at(-1)!.query.get('view')).toBe('waiting');
    const kim = within(listRegion()).getAllByRole('link')[1]!;
    expect(within(kim).getByText('waiting 4 min')).toBeTruthy();
    expect(within(listRegion()).getByText('waiting 30 min')).toBeTruthy();
  });

  it('reads the filters from the address, sends them, and writes changes back to it', async () => {
    const { calls } = renderApp('/inbox?view=unassigned&sentiment=negative&lead=hot&tag=vip&intent=refund&sort=lead', routes(world()));
    await screen.findByRole('navigation', { name: 'Views' });
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/conversations')).toBe(true));
    expect(Object.fromEntries(calls.find((c) => c.path === '/api/v1/conversations')!.query)).toEqual({
      status: 'open',
      limit: '50',
      view: 'unassigned',
      sentiment: 'negative',
      lead: 'hot',
      tag: 'vip',
      intent: 'refund',
      sort: 'lead',
    });
    const negative = screen.getByRole('button', { name: /Negative sentiment/ });
    expect(negative.getAttribute('aria-pressed')).toBe('true');
    await waitFor(() => expect(negative.textContent).toBe('Negative sentiment (1)'));
    expect((screen.getByLabelText('Tag') as HTMLInputElement).value).toBe('vip');
    expect((screen.getByLabelText('Sort') as HTMLSelectElement).value).toBe('lead');

    fireEvent.click(negative);
    await waitFor(() => expect(pageQuery().sentiment).toBeUndefined());
    expect(pageQuery()).toMatchObject({ view: 'unassigned', lead: 'hot', tag: 'vip' });
    await waitFor(() => expect(calls.filter((c) => c.path === '/api/v1/conversations').at(-1)!.query.has('sentiment')).toBe(false));

    fireEvent.change(screen.getByLabelText('Lead'), { target: { value: 'warm' } });
    await waitFor(() => expect(pageQuery().lead).toBe('warm'));

    fireEvent.click(screen.getByRole('button', { name: 'Reset filters' }));
    await waitFor(() => expect(pageQuery()).toEqual({ view: 'unassigned' }));
    expect((screen.getByLabelText('Tag') as HTMLInputElement).value).toBe('');
  });

  it('keeps the view when a conversation is opened, and shows the sentiment as a word', async () => {
    renderApp('/inbox?view=all&sentiment=negative', routes(world()));
    const row = (await within(await screen.findByRole('region', { name: 'Conversations' })).findAllByRole('link'))[0]!;
    expect(row.getAttribute('href')).toBe('/app/inbox/c1?sentiment=negative');
    expect(within(row).getByText('Negative').closest('[title]')?.getAttribute('title')).toBe('Sentiment: negative (-0.62)');
  });
});

describe('live updates', () => {
  it('fetches the list and counts again on resync, and takes a handoff into the Waiting view', async () => {
    const w = world();
    const { calls } = renderApp('/inbox?view=waiting', routes(w));
    await waitFor(() => expect(visitors()).toEqual(['Anonymous visitor', 'kim@example.com']));
    const source = FakeEventSource.all[0]!;
    source.open();
    const lists = () => calls.filter((c) => c.path === '/api/v1/conversations').length;
    const counts = () => calls.filter((c) => c.path === '/api/v1/conversations/counts').length;
    const before = [lists(), counts()];
    source.emit('resync', {});
    await waitFor(() => expect([lists(), counts()]).toEqual([before[0]! + 1, before[1]! + 1]));

    // Sam asks for a person (the event names the conversation only): the list is fetched for it.
    w.items = w.items.map((c) => (c.id === 'c1' ? { ...c, waiting_since: new Date(Date.now() - 90 * MINUTE).toISOString() } : c));
    w.counts = { ...w.counts, waiting: 3 };
    source.emit('handoff.requested', { conversation_id: 'c1', preview: 'A person please', waiting_since: w.items[0]!.waiting_since, assignee_id: null });
    await waitFor(() => expect(visitors()).toEqual(['Sam Lee', 'Anonymous visitor', 'kim@example.com']));
    const views = screen.getByRole('navigation', { name: 'Views' });
    await waitFor(() => expect(within(views).getByRole('link', { name: /Waiting for a human/ }).textContent).toContain('3'));
    // The page's clock ticks every 30 s: it may be a moment behind this test's.
    expect(within(listRegion()).getByText(/^waiting 1 h (29|30) min$/)).toBeTruthy();
  });
});

describe('view counts', () => {
  it('are fetched again after a message or a conversation change, once for a burst', async () => {
    const w = world();
    const { calls } = renderApp('/inbox', routes(w));
    await waitFor(() => expect(visitors()).toHaveLength(3));
    const source = FakeEventSource.all[0]!;
    source.open();
    const counts = () => calls.filter((c) => c.path === '/api/v1/conversations/counts').length;
    const views = () => screen.getByRole('navigation', { name: 'Views' });
    const waiting = () => within(views()).getByRole('link', { name: /Waiting for a human/ }).textContent;
    await waitFor(() => expect(waiting()).toContain('2'));

    // A visitor writes, the bot answers: one fetch for the pair.
    let before = counts();
    w.counts = { ...w.counts, all: 4, unassigned: 4 };
    source.emit('message.created', { conversation_id: 'c1', message: message('m1', 'visitor', 'Hello?') });
    source.emit('message.created', { conversation_id: 'c1', message: message('m2', 'bot', 'Hi! How can I help?') });
    await waitFor(() => expect(within(views()).getByRole('link', { name: /^All/ }).textContent).toContain('4'));
    expect(counts()).toBe(before + 1);

    // A conversation starts waiting (its update carries the whole summary).
    before = counts();
    w.counts = { ...w.counts, waiting: 3 };
    source.emit('conversation.updated', { conversation: { ...w.items[0]!, waiting_since: new Date().toISOString(), human_handoff: true } });
    await waitFor(() => expect(waiting()).toContain('3'));
    expect(counts()).toBe(before + 1);
  });
});

describe('handoff alerts across the app', () => {
  it('toast on another page, and open the conversation in the Waiting view', async () => {
    const w = world();
    renderApp('/bots', routes(w));
    await waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
    const source = FakeEventSource.all[0]!;
    source.open();
    source.emit('handoff.requested', { conversation: w.items[1] });
    expect(await screen.findByText('kim@example.com wants to talk to a person')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Open conversation' }));
    expect(await screen.findByRole('heading', { name: 'kim@example.com', level: 2 })).toBeTruthy();
    expect(window.location.pathname + window.location.search).toBe('/app/inbox/c2?view=waiting');
    // The inbox joined the same stream rather than opening a second one.
    expect(FakeEventSource.all.filter((s) => !s.closed)).toHaveLength(1);
  });
});

describe('assignment', () => {
  it('lists agents with presence and assigns the conversation to me; counts follow', async () => {
    const w = world();
    const { calls } = renderApp('/inbox/c1', routes(w));
    const assign = await screen.findByRole('button', { name: 'Assign (assigned to nobody)' });
    fireEvent.click(assign);
    const options = await screen.findByRole('listbox', { name: 'Assign to' });
    const rows = within(options)
      .getAllByRole('option')
      .map((o) => [o.querySelector('.assign-name')?.textContent, o.querySelector('.presence-dot')?.getAttribute('title') ?? null]);
    // Me first, then by presence; each says its presence in a word too.
    expect(rows).toEqual([
      ['Unassigned', null],
      ['Ada Admin (you)', 'online'],
      ['Bo Agent', 'away'],
      ['Cy Agent', 'offline'],
    ]);
    expect(within(options).getByRole('option', { name: 'Bo Agent away' })).toBeTruthy();
    expect(within(options).getByRole('option', { name: /^Unassigned/ }).getAttribute('aria-selected')).toBe('true');

    // Keyboard: down to me, Enter.
    fireEvent.keyDown(options, { key: 'ArrowDown' });
    fireEvent.keyDown(options, { key: 'Enter' });
    await screen.findByRole('button', { name: 'Assign (assigned to you)' });
    expect(calls.find((c) => c.method === 'PUT')).toMatchObject({ path: '/api/v1/conversations/c1/assignee', body: { user_id: ME.user.id } });
    expect(screen.getByText('Assigned to you', { selector: '.toast-message' })).toBeTruthy();
    const row = within(listRegion()).getAllByRole('link')[0]!;
    expect(within(row).getByText('You')).toBeTruthy();
    const views = screen.getByRole('navigation', { name: 'Views' });
    await waitFor(() => expect(within(views).getByRole('link', { name: /Assigned to me/ }).textContent).toContain('1'));
  });

  it('closes on Escape without assigning', async () => {
    const { calls } = renderApp('/inbox/c1', routes(world()));
    fireEvent.click(await screen.findByRole('button', { name: /^Assign/ }));
    const options = await screen.findByRole('listbox', { name: 'Assign to' });
    fireEvent.keyDown(options, { key: 'Escape' });
    expect(screen.queryByRole('listbox', { name: 'Assign to' })).toBeNull();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);
  });
});

describe('the conversation pane', () => {
  it('shows the name and email, images as thumbnails that enlarge, and agents by name', async () => {
    const w = world();
    w.messages.c1 = [
      message('m1', 'visitor', 'Is this one damaged?', {
        attachments: [{ kind: 'image', image_id: 'i1', content_type: 'image/png', bytes: 1200, name: 'box.png', url: '/api/v1/images/i1' }],
      }),
      message('m2', 'agent', 'Let me look.', { author: { id: 'u-bo', name: 'Bo Agent' } }),
    ];
    renderApp('/inbox/c1', routes(w));
    expect(await screen.findByRole('heading', { name: 'Sam Lee', level: 2 })).toBeTruthy();
    expect(screen.getByText('sam@example.com', { selector: '.conversation-email' })).toBeTruthy();
    const transcript = screen.getByRole('list', { name: 'Transcript' });
    const thumb = within(transcript).getByRole('img', { name: 'box.png' });
    expect(thumb.getAttribute('src')).toBe('/api/v1/images/i1');
    expect(within(transcript).getByText('Bo Agent')).toBeTruthy();

    fireEvent.click(within(transcript).getByRole('button', { name: 'Enlarge image box.png' }));
    const dialog = await screen.findByRole('dialog', { name: 'box.png' });
    expect(within(dialog).getByRole('img', { name: 'box.png' }).getAttribute('src')).toBe('/api/v1/images/i1');
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows what was read from an image under it', async () => {
    const w = world();
    const analysis = { id: 'a1', image_id: 'i1', kind: 'invoice', status: 'done', summary: 'Invoice R-1 from ACME, total EUR 58.85 (amounts add up)' };
    w.messages.c1 = [
      message('m1', 'visitor', '', {
        attachments: [{ kind: 'image', image_id: 'i1', content_type: 'image/png', bytes: 1200, name: 'r.png', url: '/api/v1/images/i1', purpose: 'invoice', analysis }],
      }),
      message('m2', 'visitor', '', {
        attachments: [{ kind: 'image', image_id: 'i2', content_type: 'image/png', bytes: 900, name: 'mug.png', url: '/api/v1/images/i2', analysis: { ...analysis, id: 'a2', image_id: 'i2', kind: 'describe', status: 'unavailable', summary: null } }],
      }),
    ];
    renderApp('/inbox/c1', routes(w));
    const transcript = await screen.findByRole('list', { name: 'Transcript' });
    expect(within(transcript).getByText('Invoice: Invoice R-1 from ACME, total EUR 58.85 (amounts add up)')).toBeTruthy();
    expect(within(transcript).getByText('Description: not available on this server (see System health)')).toBeTruthy();
  });

  it('says the visitor was asked to rate on resolving, then shows the rating', async () => {
    const w = world();
    renderApp('/inbox/c1', routes(w));
    fireEvent.click(await screen.findByRole('button', { name: 'Resolve' }));
    expect(await screen.findByText('Conversation resolved. The visitor was asked to rate it.')).toBeTruthy();
    const panel = await screen.findByRole('region', { name: 'Visitor rating' });
    expect(panel.textContent).toContain('asked to rate this conversation');

    // The rating system message, and the rating itself as it arrives live.
    const source = FakeEventSource.all[0]!;
    source.open();
    source.emit('message.created', {
      conversation_id: 'c1',
      message: message('m-rate', 'system', 'How did we do?', { attachments: [{ kind: 'rating_request' }], created_at: '2025-01-01T10:05:00Z' }),
    });
    expect(screen.getByText(/The visitor was asked to rate this conversation\./, { selector: '.rating-request' })).toBeTruthy();
    source.emit('conversation.updated', { conversation_id: 'c1', status: 'resolved', rating: { score: 4, comment: 'Quick and kind.' } });
    const rated = screen.getByRole('region', { name: 'Visitor rating' });
    expect(within(rated).getByText('Rated 4 out of 5')).toBeTruthy();
    expect(within(rated).getByText('★★★★☆')).toBeTruthy();
    expect(within(rated).getByText('“Quick and kind.”')).toBeTruthy();
  });
});

describe('canned replies in the reply box', () => {
  const CANNED: CannedReply[] = [
    { id: 'r1', shortcut: 'thanks', body: 'Thanks {{visitor.name}}, {{agent.name}} here.', created_at: '2025-01-01T00:00:00Z' },
    { id: 'r2', shortcut: 'refund', body: 'Your refund is on its way to {{visitor.email}}.', created_at: '2025-01-01T00:00:00Z' },
  ];
  const taken = (w: World) => {
    w.items = w.items.map((c) => (c.id === 'c2' ? { ...c, human_handoff: true } : c));
    return w;
  };

  it('opens on "/", filters, moves with the arrows and inserts with Enter, placeholders filled', async () => {
    const { calls } = renderApp('/inbox/c2', routes(taken(world({ canned: CANNED }))));
    const box = (await screen.findByLabelText('Reply to visitor')) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: '/' } });
    const list = await screen.findByRole('listbox', { name: 'Canned replies' });
    expect(within(list).getAllByRole('option').map((o) => o.querySelector('.canned-shortcut')?.textContent)).toEqual(['/refund', '/thanks']);
    expect(box.getAttribute('aria-activedescendant')).toBe(within(list).getAllByRole('option')[0]!.id);

    fireEvent.keyDown(box, { key: 'ArrowDown' });
    expect(within(list).getAllByRole('option')[1]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(box, { key: 'Enter' });
    // kim has no name: "there"; the agent is the signed-in user.
    expect(box.value).toBe('Thanks there, Ada Admin here.');
    expect(screen.queryByRole('listbox', { name: 'Canned replies' })).toBeNull();
    expect(calls.some((c) => c.path.endsWith('/messages'))).toBe(false);

    fireEvent.change(box, { target: { value: '/ref' } });
    const filtered = await screen.findByRole('listbox', { name: 'Canned replies' });
    expect(within(filtered).getAllByRole('option')).toHaveLength(1);
    fireEvent.click(within(filtered).getByRole('option'));
    expect(box.value).toBe('Your refund is on its way to kim@example.com.');

    // Enter now sends.
    fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() => expect(calls.find((c) => c.path.endsWith('/messages'))?.body).toEqual({ text: 'Your refund is on its way to kim@example.com.' }));
    expect(calls.filter((c) => c.path === '/api/v1/canned-replies')).toHaveLength(1);
  });

  it('closes on Escape and stays closed while the shortcut is typed on', async () => {
    renderApp('/inbox/c2', routes(taken(world({ canned: CANNED }))));
    const box = (await screen.findByLabelText('Reply to visitor')) as HTMLTextAreaElement;
    fireEvent.change(box, { target: { value: '/t' } });
    await screen.findByRole('listbox', { name: 'Canned replies' });
    fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('listbox', { name: 'Canned replies' })).toBeNull();
    fireEvent.change(box, { target: { value: '/th' } });
    expect(screen.queryByRole('listbox', { name: 'Canned replies' })).toBeNull();
    fireEvent.change(box, { target: { value: '' } });
    fireEvent.change(box, { target: { value: '/' } });
    expect(await screen.findByRole('listbox', { name: 'Canned replies' })).toBeTruthy();
  });

  it('says where to create them when there are none', async () => {
    renderApp('/inbox/c2', routes(taken(world())));
    const box = await screen.findByLabelText('Reply to visitor');
    fireEvent.change(box, { target: { value: '/' } });
    const empty = (await screen.findByText('No canned replies yet')).closest('.canned-status') as HTMLElement;
    expect(within(empty).getByRole('link', { name: 'Canned replies' }).getAttribute('href')).toBe('/app/canned-replies');
  });
});

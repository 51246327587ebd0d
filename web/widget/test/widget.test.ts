// The widget as a whole against a stubbed `fetch` that answers like the server: the History
// tab's states and the rating card's life (restore, send, reopen, live).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../src/store';
import type { Conversation, ConversationDetail, Message, Rating } from '../src/types';
import { Widget } from '../src/widget';

const BOT = 'pk_test';
const ORIGIN = 'https://parley.test';
const CONFIG = {
  name: 'Trailhead Assistant',
  appearance: { title: 'Trailhead Outfitters', greeting: '', primary_color: '#2f6b3a', position: 'right', avatar_url: null },
  faqs: [],
};

interface Call {
  method: string;
  path: string;
  session: string | null;
  body: unknown;
}

type Handler = (call: Call, signal?: AbortSignal) => Response | undefined;

const json = (data: unknown, status = 200) => new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });
const error = (status: number, code: string) => json({ error: { code, message: code } }, status);

/** A live event stream the test writes to; it ends when the widget aborts it. */
class Live {
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  response(signal?: AbortSignal): Response {
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (this.controller = c) });
    signal?.addEventListener('abort', () => this.controller?.error(new DOMException('aborted', 'AbortError')));
    return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } });
  }

  get open(): boolean {
    return this.controller !== null;
  }

  send(event: string, data: unknown): void {
    this.controller!.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  }
}

let calls: Call[] = [];
let widget: Widget | null = null;

/** Stubs `fetch`: the config always, everything else by `handler` (unhandled is a 404). */
function serve(handler: Handler = () => undefined): void {
  calls = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit & { headers: Record<string, string> }) => {
      const url = new URL(input);
      const call: Call = {
        method: init.method ?? 'GET',
        path: url.pathname + url.search,
        session: init.headers['X-Parley-Session'] ?? null,
        body: typeof init.body === 'string' ? JSON.parse(init.body) : null,
      };
      calls.push(call);
      if (call.path === '/widget/v1/config') return json(CONFIG);
      return handler(call, init.signal ?? undefined) ?? error(404, 'not_found');
    }),
  );
}

function remember(session: Session): void {
  localStorage.setItem(`parley:${BOT}:session`, JSON.stringify(session));
}

async function mount(): Promise<ShadowRoot> {
  widget = new Widget({ bot: BOT }, ORIGIN, () => undefined);
  await widget.mount();
  widget.open();
  return document.querySelector('parley-widget')!.shadowRoot!;
}

function conversation(patch: Partial<Conversation> = {}): Conversation {
  return { id: 'c1', status: 'open', preview: 'Where is my order?', message_count: 2, created_at: '2026-01-02T10:00:00Z', last_message_at: '2026-01-02T10:05:00Z', rating: null, ...patch };
}

function msg(id: string, role: Message['role'], text: string, patch: Partial<Message> = {}): Message {
  return { id, role, text, citations: [], attachments: [], author: null, rating_request: false, created_at: '2026-01-02T10:00:00Z', ...patch };
}

const RESOLVED = msg('m3', 'system', 'Ada marked this conversation as resolved. How did we do?', { attachments: [{ kind: 'rating_request' }] });

function detail(conv: Partial<Conversation>, extra: Message[] = [RESOLVED]): ConversationDetail {
  return {
    conversation: conversation(conv),
    messages: [msg('m1', 'visitor', 'Where is my order?'), msg('m2', 'agent', 'It ships today.', { author: { name: 'Ada', avatar_url: null } }), ...extra],
  };
}

/** A server with one conversation `c1` as given, its live stream, the rating endpoint and history. */
function serveConversation(
  d: ConversationDetail,
  {
    rate = (b: unknown) => json({ rating: { comment: null, ...(b as object) } }),
    list = [] as Conversation[],
  }: { rate?: (body: unknown) => Response; list?: Conversation[] } = {},
) {
  const live = new Live();
  serve((call, signal) => {
    if (call.path === '/widget/v1/conversations') return json({ items: list });
    if (call.path === '/widget/v1/conversations/c1') return json(d);
    if (call.path === '/widget/v1/conversations/c1/stream') return live.response(signal);
    if (call.path === '/widget/v1/conversations/c1/rating' && call.method === 'POST') return rate(call.body);
    return undefined;
  });
  remember({ token: 'tok', conversationId: 'c1', email: '' });
  return live;
}

const history = (root: ShadowRoot) => root.querySelector<HTMLElement>('.history')!;
const card = (root: ShadowRoot) => root.querySelector<HTMLElement>('.log .rate');

afterEach(() => {
  widget?.destroy();
  widget = null;
  localStorage.clear();
  vi.unstubAllGlobals();
});

describe('History tab', () => {
  it('for a new visitor (no session yet) says where conversations will appear, without asking the server', async () => {
    serve();
    const root = await mount();
    root.querySelector<HTMLElement>('#pw-tab-history')!.click();
    await vi.waitFor(() => expect(history(root).querySelector('.empty')!.textContent).toMatch(/^Your conversations will appear here/));
    expect(calls.map((c) => c.path)).toEqual(['/widget/v1/config']);
    expect(history(root).textContent).not.toMatch(/verified|email/i);
    expect(history(root).querySelectorAll('.list li')).toHaveLength(0);
  });

  it("lists this browser's conversations with the session token, and nothing about email when not verified", async () => {
    // The conversation started only to get a session (nobody wrote in it) is not history.
    serveConversation(detail({}, []), { list: [conversation(), conversation({ id: 'c0', message_count: 0, preview: '' })] });
    const root = await mount();
    root.querySelector<HTMLElement>('#pw-tab-history')!.click();
    await vi.waitFor(() => expect(history(root).querySelectorAll('.list li')).toHaveLength(1));
    expect(calls.find((c) => c.path === '/widget/v1/conversations')?.session).toBe('tok');
    expect(history(root).querySelector('.item')!.textContent).toContain('Where is my order?');
    expect(history(root).querySelector('.scope')!.textContent).toBe('');
    expect(history(root).textContent).not.toMatch(/verified|only shown/i);
  });

  it('says the list covers the email when the server verified it', async () => {
    serve((call) => (call.path === '/widget/v1/conversations' ? json({ items: [conversation({ id: 'c9' })] }) : undefined));
    remember({ token: 'tok', email: '', verified: true });
    const root = await mount();
    root.querySelector<HTMLElement>('#pw-tab-history')!.click();
    await vi.waitFor(() => expect(history(root).querySelectorAll('.list li')).toHaveLength(1));
    expect(history(root).querySelector('.scope')!.textContent).toBe('Conversations under your email');
  });

  it('treats a token the server no longer accepts as no session, not as an error', async () => {
    serve((call) => (call.path === '/widget/v1/conversations' ? error(403, 'forbidden') : undefined));
    remember({ token: 'expired', email: '' });
    const root = await mount();
    root.querySelector<HTMLElement>('#pw-tab-history')!.click();
    await vi.waitFor(() => expect(history(root).querySelector('.empty')!.textContent).toMatch(/^Your conversations will appear here/));
  });

  it('says "no match" only when a search narrowed the list', async () => {
    serve((call) => (call.path.startsWith('/widget/v1/conversations?') ? json({ items: [] }) : undefined));
    remember({ token: 'tok', email: '' });
    const root = await mount();
    root.querySelector<HTMLElement>('#pw-tab-history')!.click();
    const search = history(root).querySelector<HTMLInputElement>('input[type=search]')!;
    search.value = 'refund';
    search.dispatchEvent(new Event('input'));
    await vi.waitFor(() => expect(history(root).querySelector('.empty')!.textContent).toBe('No past conversations found.'));
    expect(calls.some((c) => c.path === '/widget/v1/conversations?q=refund')).toBe(true);
  });
});

describe('rating a resolved conversation', () => {
  it('shows the card under the resolve notice, sends the rating and thanks with the score', async () => {
    serveConversation(detail({ status: 'resolved' }));
    const root = await mount();
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    expect(card(root)!.previousElementSibling?.getAttribute('data-id')).toBe('m3');
    // The agent by name; the notice as a notice.
    expect(root.querySelector('.m.agent .sr')!.textContent).toBe('Ada: ');
    expect(root.querySelector('.m.system .body')!.textContent).toContain('resolved');

    card(root)!.querySelectorAll<HTMLButtonElement>('[role=radio]')[4].click();
    card(root)!.querySelector('textarea')!.value = 'Great help';
    card(root)!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(card(root)!.textContent).toContain('Thanks for your feedback'));
    expect(card(root)!.textContent).toContain('5 out of 5');
    const post = calls.find((c) => c.path.endsWith('/rating'))!;
    expect(post).toMatchObject({ method: 'POST', path: '/widget/v1/conversations/c1/rating', session: 'tok', body: { score: 5, comment: 'Great help' } });
  });

  it('finds the rating request by the message flag as well as by the attachment', async () => {
    const flagged = msg('m3', 'system', 'Resolved. How did we do?', { rating_request: true });
    serveConversation(detail({ status: 'resolved' }, [flagged]));
    const root = await mount();
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    expect(card(root)!.previousElementSibling?.getAttribute('data-id')).toBe('m3');
  });

  it('leaves out an empty comment', async () => {
    serveConversation(detail({ status: 'resolved' }));
    const root = await mount();
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    card(root)!.querySelectorAll<HTMLButtonElement>('[role=radio]')[2].click();
    card(root)!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(card(root)!.textContent).toContain('Thanks'));
    expect(calls.find((c) => c.path.endsWith('/rating'))!.body).toEqual({ score: 3 });
  });

  it('after a reload shows the thanks of a rated conversation, not the card', async () => {
    const rating: Rating = { score: 4, comment: null };
    serveConversation(detail({ status: 'resolved', rating }));
    const root = await mount();
    await vi.waitFor(() => expect(card(root)?.textContent).toContain('Thanks for your feedback'));
    expect(card(root)!.textContent).toContain('4 out of 5');
    expect(card(root)!.querySelector('[role=radio]')).toBeNull();
  });

  it('shows nothing for an open conversation, or one resolved without a rating request', async () => {
    serveConversation(detail({ status: 'open' }));
    let root = await mount();
    await vi.waitFor(() => expect(root.querySelector('[data-id="m3"]')).not.toBeNull());
    expect(card(root)).toBeNull();
    widget!.destroy();
    serveConversation(detail({ status: 'resolved' }, []));
    root = await mount();
    await vi.waitFor(() => expect(root.querySelector('[data-id="m2"]')).not.toBeNull());
    expect(card(root)).toBeNull();
  });

  it('hides the card when the server says the conversation was reopened (409 not_resolved)', async () => {
    serveConversation(detail({ status: 'resolved' }), { rate: () => error(409, 'not_resolved') });
    const root = await mount();
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    card(root)!.querySelectorAll<HTMLButtonElement>('[role=radio]')[0].click();
    card(root)!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(card(root)).toBeNull());
    expect(root.querySelector('.log')!.textContent).not.toMatch(/could not be sent/);
  });

  it('keeps the card with an error on other failures', async () => {
    serveConversation(detail({ status: 'resolved' }), { rate: () => error(500, 'internal') });
    const root = await mount();
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    card(root)!.querySelectorAll<HTMLButtonElement>('[role=radio]')[1].click();
    card(root)!.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await vi.waitFor(() => expect(card(root)!.querySelector('[role=alert]')!.textContent).toBe('Your rating could not be sent. Please try again.'));
  });

  it('appears live when an agent resolves, and goes when the conversation is reopened', async () => {
    const live = serveConversation(detail({ status: 'open' }, []));
    const root = await mount();
    await vi.waitFor(() => expect(live.open).toBe(true));
    live.send('message.created', { conversation_id: 'c1', message: RESOLVED });
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    expect(card(root)!.previousElementSibling?.getAttribute('data-id')).toBe('m3');
    // Status arrives after the message, as the server publishes them: the same card stays.
    const shown = card(root);
    live.send('conversation.updated', { conversation_id: 'c1', status: 'resolved', human_handoff: false });
    live.send('conversation.updated', { conversation_id: 'c1', status: 'open', human_handoff: false });
    await vi.waitFor(() => expect(card(root)).toBeNull());
    expect(shown!.isConnected).toBe(false);
  });

  it('goes as soon as the visitor writes again (that reopens the conversation)', async () => {
    serveConversation(detail({ status: 'resolved' }));
    const root = await mount();
    await vi.waitFor(() => expect(card(root)).not.toBeNull());
    const input = root.querySelector<HTMLTextAreaElement>('.composer textarea')!;
    input.value = 'One more thing';
    root.querySelector('.composer')!.dispatchEvent(new Event('submit', { cancelable: true }));
    expect(card(root)).toBeNull();
  });
});

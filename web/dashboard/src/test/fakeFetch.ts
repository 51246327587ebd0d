// A fetch stand-in for tests: routes "METHOD /path" to handlers and records
// every request (method, path, headers, parsed body) it received.

export interface Recorded {
  method: string;
  path: string;
  /** The query string, parsed. */
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export type Handler = (req: Recorded) => Response | Promise<Response>;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function errorBody(status: number, code: string, message: string, fields?: Record<string, string>, headers?: Record<string, string>) {
  return json(status, { error: { code, message, ...(fields ? { fields } : {}) } }, headers);
}

export interface FakeFetchOptions {
  /**
   * Requests answered by `background` routes when the test's routes do not name them, and
   * left out of `calls`: what the app sends by itself on every page (presence), which a
   * test of a page is not about.
   */
  background?: Record<string, Handler>;
}

export function fakeFetch(routes: Record<string, Handler>, options: FakeFetchOptions = {}) {
  const calls: Recorded[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = await request.text();
    const rec: Recorded = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    const key = `${rec.method} ${rec.path}`;
    const background = routes[key] ? undefined : options.background?.[key];
    if (background) return background(rec);
    calls.push(rec);
    const handler = routes[key];
    if (!handler) return errorBody(404, 'not_found', `no fake route for ${rec.method} ${rec.path}`);
    return handler(rec);
  };
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

export const ME = {
  user: { id: '0190a0b0-0000-7000-8000-000000000001', email: 'admin@example.com', name: 'Ada Admin' },
  workspace: { id: '0190a0b0-0000-7000-8000-000000000002', name: 'Acme' },
  role: 'owner',
  csrf_token: 'csrf-123',
} as const;

export function bot(overrides: Record<string, unknown> = {}) {
  return {
    id: '0190a0b0-0000-7000-8000-0000000000b1',
    name: 'Support Bot',
    public_key: 'pk_live_abc123',
    identity_secret: 'is_secret_xyz',
    allowed_origins: ['https://www.example.com'],
    appearance: { title: 'Support', greeting: 'Hi there!', primary_color: '#4f46e5', position: 'right', avatar_url: null },
    behaviour: { system_prompt: 'Be helpful.', memory_turns: 10, fallback_message: 'Sorry, I do not know.' },
    embed_snippet: '<script src="http://127.0.0.1:8080/widget.js" data-bot="pk_live_abc123" async></script>',
    created_at: '2025-01-02T03:04:05Z',
    updated_at: '2025-01-02T03:04:05Z',
    ...overrides,
  };
}

/**
 * The widget API client. Every call carries the bot's public key; once the visitor has a
 * session token, that too. The API lives on the origin widget.js was loaded from, which is
 * usually not the host page's origin (CORS is answered by the server).
 */
import { readSse, type SseEvent } from './sse';
import type { ConversationDetail, ConversationList, Rated, RatingBody, StartConversation, Started, UploadedImage, WidgetConfig } from './types';

/** An HTTP error answer: `{error: {code, message}}` with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` on a 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** True for failures worth retrying later: no network, a server hiccup, or a rate limit. */
export function isTransient(e: unknown): boolean {
  if (e instanceof ApiError) return e.status === 429 || e.status >= 500;
  return e instanceof TypeError; // what fetch throws when the network is down
}

/** Resumable, exponential, jittered: 1 s, 2 s, 4 s … up to 30 s. */
export function backoff(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));
  return Math.round(base * (0.5 + random() / 2));
}

export interface HistoryFilter {
  q?: string;
  from?: string;
  to?: string;
}

export class Api {
  /** Set once the visitor has one; sent as `X-Parley-Session`. */
  session: string | null = null;

  constructor(
    readonly origin: string,
    private readonly bot: string,
  ) {}

  /** Resolves a server-relative URL (an attachment's signed URL) against the API origin. */
  url(path: string): string {
    return new URL(path, this.origin).href;
  }

  config(): Promise<WidgetConfig> {
    return this.json('GET', '/widget/v1/config');
  }

  /** Starts a conversation (or resumes `conversation_id`) and hands out the session token. */
  start(body: StartConversation): Promise<Started> {
    return this.json('POST', '/widget/v1/conversations', body);
  }

  history(filter: HistoryFilter): Promise<ConversationList> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) if (v) qs.set(k, v);
    const query = qs.toString();
    return this.json('GET', `/widget/v1/conversations${query ? `?${query}` : ''}`);
  }

  conversation(id: string): Promise<ConversationDetail> {
    return this.json('GET', `/widget/v1/conversations/${encodeURIComponent(id)}`);
  }

  /** Rates a resolved conversation (409 `not_resolved` once the visitor reopened it). */
  rate(id: string, body: RatingBody): Promise<Rated> {
    return this.json('POST', `/widget/v1/conversations/${encodeURIComponent(id)}/rating`, body);
  }

  /**
   * Sends a message and streams the answer: `message` (the stored visitor message), `token`
   * pieces, then `done` or `handoff`. Resolves when the stream ends. `clientId` makes a
   * retry safe: the server stores a message once per id and answers a repeat with the copy.
   */
  async send(id: string, text: string, clientId: string, onEvent: (e: SseEvent) => void): Promise<void> {
    const res = await this.request('POST', `/widget/v1/conversations/${encodeURIComponent(id)}/messages`, {
      body: JSON.stringify({ text, client_id: clientId }),
      headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    });
    await readSse(res, onEvent);
  }

  /** Uploads one image (multipart, part `image`) with an optional caption and purpose. */
  async upload(id: string, file: Blob, name: string, caption: string, purpose = ''): Promise<UploadedImage> {
    const form = new FormData();
    form.append('image', file, name);
    if (caption) form.append('caption', caption);
    if (purpose) form.append('purpose', purpose);
    const res = await this.request('POST', `/widget/v1/conversations/${encodeURIComponent(id)}/images`, { body: form });
    return res.json();
  }

  /** The conversation's live events (agent replies after a handoff); endless until aborted. */
  async live(id: string, signal: AbortSignal, onEvent: (e: SseEvent) => void): Promise<void> {
    const res = await this.request('GET', `/widget/v1/conversations/${encodeURIComponent(id)}/stream`, {
      headers: { Accept: 'text/event-stream' },
      signal,
    });
    await readSse(res, onEvent);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    });
    return res.json() as Promise<T>;
  }

  private async request(
    method: string,
    path: string,
    init: { body?: BodyInit; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response> {
    const headers: Record<string, string> = { 'X-Parley-Bot': this.bot, ...init.headers };
    if (this.session) headers['X-Parley-Session'] = this.session;
    const res = await fetch(this.url(path), {
      method,
      headers,
      body: init.body,
      signal: init.signal,
      // The widget never uses cookies: the host page's cookies are not its business.
      credentials: 'omit',
    });
    if (res.ok) return res;
    let code = 'http_' + res.status;
    let message = res.statusText;
    try {
      const err = (await res.json()).error;
      code = err.code || code;
      message = err.message || message;
    } catch {
      // not a JSON error body (a proxy's page): keep the status
    }
    const retry = Number(res.headers.get('Retry-After'));
    throw new ApiError(res.status, code, message, Number.isFinite(retry) && retry > 0 ? retry : null);
  }
}

import createClient, { type Middleware } from 'openapi-fetch';
import type {
  ConversationDetail,
  ConversationList,
  ConversationQuery,
  ConversationSummary,
  ConversationUpdate,
  HandoffAction,
  InboxMessage,
} from './conversations';
import { ApiError, errorFromResponse } from './errors';
import type { Analysis, InsightSettings } from './insight';
import type { paths } from './schema';
import type {
  BotCreate,
  BotUpdate,
  FaqCreate,
  FaqUpdate,
  LoginRequest,
  Me,
  RotatableKey,
  TokenCreate,
  UploadResult,
} from './types';
import { postFile, type UploadProgress } from './upload';

export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface UploadOptions {
  onProgress?: (progress: UploadProgress) => void;
  /** Where the file lives on the web (an http(s) URL); blank means none. */
  sourceUrl?: string;
}

export interface ApiClientOptions {
  /** Origin to call; defaults to the page's own origin (the API is same-origin). */
  baseUrl?: string;
  /** Injectable for tests. */
  fetch?: typeof globalThis.fetch;
  /** Called when a request outside /auth/ gets 401: the session has expired. */
  onUnauthenticated?: () => void;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Turns an openapi-fetch result into the data, or throws an ApiError. */
async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof ApiError) throw cause;
    // fetch() rejects only on network failure; JSON.parse on a bad 2xx body.
    const message =
      cause instanceof SyntaxError
        ? 'The server sent a response that could not be read.'
        : 'Could not reach the server. Check your connection and try again.';
    throw new ApiError({ status: 0, code: 'network_error', message });
  }
  if (!result.response.ok) throw errorFromResponse(result.response, result.error);
  return result.data as T;
}

export function createApi(options: ApiClientOptions = {}) {
  let csrfToken: string | null = null;
  const baseUrl = options.baseUrl ?? globalThis.location?.origin ?? '';

  const client = createClient<paths>({
    baseUrl,
    credentials: 'same-origin',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  // The one place where cookie-authenticated writes get their CSRF token.
  const csrf: Middleware = {
    onRequest({ request }) {
      if (!SAFE_METHODS.has(request.method.toUpperCase()) && csrfToken) {
        request.headers.set(CSRF_HEADER, csrfToken);
      }
      return request;
    },
    onResponse({ response, schemaPath }) {
      if (response.status === 401 && !schemaPath.startsWith('/api/v1/auth/')) {
        options.onUnauthenticated?.();
      }
      return undefined;
    },
  };
  client.use(csrf);

  const seg = encodeURIComponent;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  /**
   * A call to an endpoint the generated schema does not describe yet (new routes before
   * `make openapi`), with the same session cookie, CSRF token, 401 handling and errors as
   * the typed calls. The caller names the answer's type; swap for a typed call once the
   * schema has the route.
   */
  const send = async <T>(method: string, path: string, init: { query?: Record<string, string | number | undefined>; body?: unknown } = {}): Promise<T> => {
    const url = new URL(`${baseUrl}${path}`, globalThis.location?.href ?? baseUrl);
    for (const [key, value] of Object.entries(init.query ?? {})) {
      if (value !== undefined && String(value).trim() !== '') url.searchParams.set(key, String(value).trim());
    }
    const headers = new Headers();
    if (init.body !== undefined) headers.set('Content-Type', 'application/json');
    if (!SAFE_METHODS.has(method.toUpperCase()) && csrfToken) headers.set(CSRF_HEADER, csrfToken);
    let response: Response;
    let body: unknown;
    try {
      response = await doFetch(url.toString(), {
        method,
        headers,
        credentials: 'same-origin',
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      });
      const text = await response.text();
      body = text ? (response.headers.get('Content-Type')?.includes('json') ? JSON.parse(text) : text) : undefined;
    } catch (cause) {
      const message =
        cause instanceof SyntaxError
          ? 'The server sent a response that could not be read.'
          : 'Could not reach the server. Check your connection and try again.';
      throw new ApiError({ status: 0, code: 'network_error', message });
    }
    if (response.status === 401 && !path.startsWith('/api/v1/auth/')) options.onUnauthenticated?.();
    if (!response.ok) throw errorFromResponse(response, body);
    return body as T;
  };
  /**
   * The schema is looser than the contract in one place: custom intents' lists
   * and points are optional there, always sent by the server (insight.ts).
   */
  const narrow = <T>(value: unknown): T => value as T;
  const remember = (me: Me): Me => {
    csrfToken = me.csrf_token ?? null;
    return me;
  };

  return {
    send,
    setCsrfToken(token: string | null) {
      csrfToken = token;
    },
    getCsrfToken(): string | null {
      return csrfToken;
    },
    auth: {
      login: async (body: LoginRequest) => remember(await unwrap(client.POST('/api/v1/auth/login', { body }))),
      me: async () => remember(await unwrap(client.GET('/api/v1/auth/me'))),
      logout: async () => {
        try {
          await unwrap(client.POST('/api/v1/auth/logout'));
        } finally {
          csrfToken = null;
        }
      },
    },
    bots: {
      list: async () => (await unwrap(client.GET('/api/v1/bots'))).items,
      get: (id: string) => unwrap(client.GET('/api/v1/bots/{id}', { params: { path: { id } } })),
      create: (body: BotCreate) => unwrap(client.POST('/api/v1/bots', { body })),
      update: (id: string, body: BotUpdate) =>
        unwrap(client.PATCH('/api/v1/bots/{id}', { params: { path: { id } }, body })),
      remove: async (id: string) => {
        await unwrap(client.DELETE('/api/v1/bots/{id}', { params: { path: { id } } }));
      },
      rotate: (id: string, key: RotatableKey) =>
        unwrap(client.POST('/api/v1/bots/{id}/rotate', { params: { path: { id } }, body: { key } })),
    },
    documents: {
      list: (botId: string) => unwrap(client.GET('/api/v1/bots/{id}/documents', { params: { path: { id: botId } } })),
      remove: async (botId: string, documentId: string) => {
        await unwrap(
          client.DELETE('/api/v1/bots/{id}/documents/{document_id}', {
            params: { path: { id: botId, document_id: documentId } },
          }),
        );
      },
      /**
       * One file per request (XMLHttpRequest, for upload progress). `sourceUrl`, where the
       * file lives on the web, is sent as the `source_url` part only when filled in.
       */
      upload: (botId: string, file: File, options: UploadOptions = {}) => {
        const { onProgress } = options;
        const sourceUrl = options.sourceUrl?.trim();
        return postFile<UploadResult>({
          url: `${baseUrl}/api/v1/bots/${seg(botId)}/documents`,
          field: 'files',
          file,
          fields: sourceUrl ? { source_url: sourceUrl } : {},
          headers: csrfToken ? { [CSRF_HEADER]: csrfToken } : {},
          ...(onProgress ? { onProgress } : {}),
        });
      },
      search: (botId: string, query: string, limit?: number) =>
        unwrap(
          client.POST('/api/v1/bots/{id}/search', {
            params: { path: { id: botId } },
            body: limit === undefined ? { query } : { query, limit },
          }),
        ),
    },
    faqs: {
      list: async (botId: string) =>
        (await unwrap(client.GET('/api/v1/bots/{id}/faqs', { params: { path: { id: botId } } }))).items,
      create: (botId: string, body: FaqCreate) =>
        unwrap(client.POST('/api/v1/bots/{id}/faqs', { params: { path: { id: botId } }, body })),
      update: (botId: string, faqId: string, body: FaqUpdate) =>
        unwrap(
          client.PATCH('/api/v1/bots/{id}/faqs/{faq_id}', { params: { path: { id: botId, faq_id: faqId } }, body }),
        ),
      remove: async (botId: string, faqId: string) => {
        await unwrap(
          client.DELETE('/api/v1/bots/{id}/faqs/{faq_id}', { params: { path: { id: botId, faq_id: faqId } } }),
        );
      },
      reorder: async (botId: string, ids: string[]) =>
        (await unwrap(client.POST('/api/v1/bots/{id}/faqs/reorder', { params: { path: { id: botId } }, body: { ids } })))
          .items,
    },
    intents: {
      /** The bot's custom intents and insight thresholds. */
      get: async (botId: string) =>
        narrow<InsightSettings>(await unwrap(client.GET('/api/v1/bots/{id}/intents', { params: { path: { id: botId } } }))),
      save: async (botId: string, body: InsightSettings) =>
        narrow<InsightSettings>(await unwrap(client.PUT('/api/v1/bots/{id}/intents', { params: { path: { id: botId } }, body }))),
      /** What the bot's intents (built-in and saved custom ones), sentiment and lead extraction make of a text. */
      analyze: (botId: string, text: string): Promise<Analysis> =>
        unwrap(client.POST('/api/v1/bots/{id}/analyze', { params: { path: { id: botId } }, body: { text } })),
    },
    conversations: {
      list: (query: ConversationQuery = {}): Promise<ConversationList> =>
        unwrap(client.GET('/api/v1/conversations', { params: { query: conversationQuery(query) } })),
      get: (id: string): Promise<ConversationDetail> =>
        unwrap(client.GET('/api/v1/conversations/{id}', { params: { path: { id } } })),
      update: (id: string, body: ConversationUpdate): Promise<ConversationSummary> =>
        unwrap(client.PATCH('/api/v1/conversations/{id}', { params: { path: { id } }, body })),
      addNote: (id: string, text: string) =>
        unwrap(client.POST('/api/v1/conversations/{id}/notes', { params: { path: { id } }, body: { text } })),
      handoff: (id: string, action: HandoffAction): Promise<ConversationSummary> =>
        unwrap(client.POST('/api/v1/conversations/{id}/handoff', { params: { path: { id } }, body: { action } })),
      reply: (id: string, text: string): Promise<InboxMessage> =>
        unwrap(client.POST('/api/v1/conversations/{id}/messages', { params: { path: { id } }, body: { text } })),
    },
    /** Where the live event stream is (for EventSource). */
    streamUrl: () => `${baseUrl}/api/v1/stream`,
    tokens: {
      list: async () => (await unwrap(client.GET('/api/v1/tokens'))).items,
      create: (body: TokenCreate) => unwrap(client.POST('/api/v1/tokens', { body })),
      revoke: async (id: string) => {
        await unwrap(client.DELETE('/api/v1/tokens/{id}', { params: { path: { id } } }));
      },
    },
  };
}

export type Api = ReturnType<typeof createApi>;

const CONVERSATION_QUERY_KEYS = ['bot_id', 'status', 'q', 'from', 'to', 'before', 'limit'] as const;

/** The query of GET /api/v1/conversations as sent: text trimmed, empty values left out. */
export function conversationQuery(query: ConversationQuery): ConversationQuery {
  const out: Record<string, string | number> = {};
  for (const key of CONVERSATION_QUERY_KEYS) {
    const value: unknown = query[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'number') {
      out[key] = value;
      continue;
    }
    const text = String(value).trim();
    if (text !== '') out[key] = text;
  }
  return out as ConversationQuery;
}

/** The query string of GET /api/v1/conversations; empty values are left out. */
export function conversationSearch(query: ConversationQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(conversationQuery(query))) params.set(key, String(value));
  return params.toString();
}

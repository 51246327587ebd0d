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

  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  /**
   * A JSON request the typed client cannot make (see conversations.list), with
   * the same CSRF, 401 and error handling as `client`.
   */
  const raw = <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers = new Headers({ Accept: 'application/json' });
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    if (!SAFE_METHODS.has(method) && csrfToken) headers.set(CSRF_HEADER, csrfToken);
    const call = (async (): Promise<Result<T>> => {
      const response = await fetchImpl(new Request(`${baseUrl}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      }));
      if (response.status === 401) options.onUnauthenticated?.();
      const text = response.status === 204 ? '' : await response.text();
      let parsed: unknown = undefined;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          if (response.ok) throw e;
          parsed = text;
        }
      }
      return response.ok ? { data: parsed as T, response } : { error: parsed, response };
    })();
    return unwrap(call);
  };
  const seg = encodeURIComponent;
  /**
   * The schema is looser than the contract in places: the inbox's plain-string enums and
   * bare citation objects (see conversations.ts), custom intents' optional lists (insight.ts).
   */
  const narrow = <T>(value: unknown): T => value as T;
  const remember = (me: Me): Me => {
    csrfToken = me.csrf_token ?? null;
    return me;
  };

  return {
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
      /** One file per request (XMLHttpRequest, for upload progress). */
      upload: (botId: string, file: File, onProgress?: (progress: UploadProgress) => void) =>
        postFile<UploadResult>({
          url: `${baseUrl}/api/v1/bots/${seg(botId)}/documents`,
          field: 'files',
          file,
          headers: csrfToken ? { [CSRF_HEADER]: csrfToken } : {},
          ...(onProgress ? { onProgress } : {}),
        }),
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
      // The OpenAPI document declares this query as path parameters, so the
      // typed client cannot send it; `raw` builds the query string.
      list: (query: ConversationQuery = {}) => {
        const search = conversationSearch(query);
        return raw<ConversationList>('GET', `/api/v1/conversations${search ? `?${search}` : ''}`);
      },
      get: async (id: string) =>
        narrow<ConversationDetail>(await unwrap(client.GET('/api/v1/conversations/{id}', { params: { path: { id } } }))),
      update: async (id: string, body: ConversationUpdate) =>
        narrow<ConversationSummary>(await unwrap(client.PATCH('/api/v1/conversations/{id}', { params: { path: { id } }, body }))),
      addNote: (id: string, text: string) =>
        unwrap(client.POST('/api/v1/conversations/{id}/notes', { params: { path: { id } }, body: { text } })),
      handoff: async (id: string, action: HandoffAction) =>
        narrow<ConversationSummary>(
          await unwrap(client.POST('/api/v1/conversations/{id}/handoff', { params: { path: { id } }, body: { action } })),
        ),
      reply: async (id: string, text: string) =>
        narrow<InboxMessage>(
          await unwrap(client.POST('/api/v1/conversations/{id}/messages', { params: { path: { id } }, body: { text } })),
        ),
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

/** The query string of GET /api/v1/conversations; empty values are left out. */
export function conversationSearch(query: ConversationQuery): string {
  const params = new URLSearchParams();
  for (const key of ['bot_id', 'status', 'q', 'from', 'to', 'before', 'limit'] as const) {
    const value = query[key];
    if (value === undefined || value === null) continue;
    const text = String(value).trim();
    if (text !== '') params.set(key, text);
  }
  return params.toString();
}

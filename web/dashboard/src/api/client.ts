import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { ApiError, errorFromResponse } from './errors';
import type { BotCreate, BotUpdate, LoginRequest, Me, RotatableKey, TokenCreate } from './types';

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

import { describe, expect, it, vi } from 'vitest';
import { createApi, CSRF_HEADER } from './client';
import { ApiError } from './errors';
import { ME, bot, errorBody, fakeFetch, json } from '../test/fakeFetch';

const BASE = 'http://parley.test';
const BOT_ID = bot().id;

function setup(extra: Parameters<typeof fakeFetch>[0] = {}, onUnauthenticated?: () => void) {
  const fake = fakeFetch({
    'POST /api/v1/auth/login': () => json(200, ME),
    'GET /api/v1/auth/me': () => json(200, { ...ME, csrf_token: 'csrf-from-me' }),
    'POST /api/v1/auth/logout': () => new Response(null, { status: 204 }),
    'GET /api/v1/bots': () => json(200, { items: [bot()] }),
    'POST /api/v1/bots': (r) => json(201, bot({ name: (r.body as { name: string }).name })),
    [`PATCH /api/v1/bots/${BOT_ID}`]: () => json(200, bot()),
    [`DELETE /api/v1/bots/${BOT_ID}`]: () => new Response(null, { status: 204 }),
    [`POST /api/v1/bots/${BOT_ID}/rotate`]: () => json(200, bot({ public_key: 'pk_new' })),
    'GET /api/v1/tokens': () => json(200, { items: [] }),
    ...extra,
  });
  const api = createApi({ baseUrl: BASE, fetch: fake.fetch, onUnauthenticated });
  return { api, calls: fake.calls };
}

describe('CSRF header', () => {
  it('is sent on every write after login, with the token from the login response', async () => {
    const { api, calls } = setup();
    await api.auth.login({ email: 'admin@example.com', password: 'correct horse' });
    await api.bots.create({ name: 'Support Bot' });
    await api.bots.update(BOT_ID, { name: 'Renamed' });
    await api.bots.rotate(BOT_ID, 'public_key');
    await api.bots.remove(BOT_ID);

    const writes = calls.filter((c) => c.method !== 'GET').slice(1); // all but the login itself
    expect(writes.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST', 'DELETE']);
    for (const call of writes) expect(call.headers.get(CSRF_HEADER)).toBe('csrf-123');
  });

  it('is never sent on GET', async () => {
    const { api, calls } = setup();
    await api.auth.me();
    await api.bots.list();
    await api.tokens.list();
    expect(calls).toHaveLength(3);
    for (const call of calls) expect(call.headers.has(CSRF_HEADER)).toBe(false);
  });

  it('comes from /auth/me when the page loads with an existing session', async () => {
    const { api, calls } = setup();
    await api.auth.me();
    await api.bots.create({ name: 'X' });
    expect(calls.at(-1)!.headers.get(CSRF_HEADER)).toBe('csrf-from-me');
  });

  it('is not sent before a session exists, and is forgotten after logout', async () => {
    const { api, calls } = setup();
    await api.bots.create({ name: 'before' });
    expect(calls.at(-1)!.headers.has(CSRF_HEADER)).toBe(false);

    await api.auth.login({ email: 'a@b.c', password: 'pw' });
    await api.auth.logout();
    expect(calls.at(-1)!.path).toBe('/api/v1/auth/logout');
    expect(calls.at(-1)!.headers.get(CSRF_HEADER)).toBe('csrf-123');

    await api.bots.create({ name: 'after' });
    expect(calls.at(-1)!.headers.has(CSRF_HEADER)).toBe(false);
    expect(api.getCsrfToken()).toBeNull();
  });
});

describe('requests', () => {
  it('sends JSON bodies and fills path parameters', async () => {
    const { api, calls } = setup();
    await api.bots.rotate(BOT_ID, 'identity_secret');
    expect(calls[0]).toMatchObject({ method: 'POST', path: `/api/v1/bots/${BOT_ID}/rotate`, body: { key: 'identity_secret' } });
    expect(calls[0]!.headers.get('Content-Type')).toBe('application/json');
  });

  it('returns the list items and undefined for 204', async () => {
    const { api } = setup();
    expect((await api.bots.list()).map((b) => b.name)).toEqual(['Support Bot']);
    await expect(api.bots.remove(BOT_ID)).resolves.toBeUndefined();
  });
});

describe('errors', () => {
  it('parses the error body: status, code, message and fields', async () => {
    const { api } = setup({
      'POST /api/v1/bots': () => errorBody(422, 'validation_failed', 'Some values are not valid', { name: 'must not be empty' }),
    });
    const error = await api.bots.create({ name: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 422,
      code: 'validation_failed',
      message: 'Some values are not valid',
      fields: { name: 'must not be empty' },
      retryAfter: null,
    });
  });

  it('reads Retry-After on 429', async () => {
    const { api } = setup({
      'POST /api/v1/auth/login': () => errorBody(429, 'too_many_attempts', 'Too many attempts', undefined, { 'Retry-After': '37' }),
    });
    const error = (await api.auth.login({ email: 'a@b.c', password: 'x' }).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(429);
    expect(error.code).toBe('too_many_attempts');
    expect(error.retryAfter).toBe(37);
  });

  it('falls back to a status message when the body is not the error shape', async () => {
    const { api } = setup({
      'GET /api/v1/bots': () => new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    });
    const error = (await api.bots.list().catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.code).toBe('http_502');
    expect(error.message).toMatch(/bad gateway/i);
    expect(error.fields).toEqual({});
  });

  it('turns a network failure into an ApiError with status 0', async () => {
    const api = createApi({
      baseUrl: BASE,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    const error = (await api.bots.list().catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.code).toBe('network_error');
  });

  it('reports an expired session on 401 outside /auth/, but not for /auth/me', async () => {
    const expired = vi.fn();
    const { api } = setup(
      {
        'GET /api/v1/auth/me': () => errorBody(401, 'unauthenticated', 'Sign in first'),
        'GET /api/v1/bots': () => errorBody(401, 'unauthenticated', 'Sign in first'),
      },
      expired,
    );
    await expect(api.auth.me()).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(expired).not.toHaveBeenCalled();
    await expect(api.bots.list()).rejects.toMatchObject({ status: 401 });
    expect(expired).toHaveBeenCalledTimes(1);
  });
});

describe('send (routes not in the schema yet)', () => {
  it('sends the query, the JSON body and the CSRF token, and parses the answer', async () => {
    const { api, calls } = setup({
      'GET /api/v1/conversations/counts': () => json(200, { all: 3 }),
      'PUT /api/v1/conversations/c1/assignee': (r) => json(200, { id: 'c1', assignee: r.body }),
      'POST /api/v1/presence': () => new Response(null, { status: 204 }),
    });
    await api.auth.login({ email: 'a@b.c', password: 'pw' });
    expect(await api.send('GET', '/api/v1/conversations/counts', { query: { bot_id: 'b1', empty: '', gone: undefined } })).toEqual({ all: 3 });
    expect(Object.fromEntries(calls.at(-1)!.query)).toEqual({ bot_id: 'b1' });
    expect(calls.at(-1)!.headers.has(CSRF_HEADER)).toBe(false);

    await api.send('PUT', '/api/v1/conversations/c1/assignee', { body: { user_id: null } });
    expect(calls.at(-1)).toMatchObject({ method: 'PUT', body: { user_id: null } });
    expect(calls.at(-1)!.headers.get(CSRF_HEADER)).toBe('csrf-123');
    expect(calls.at(-1)!.headers.get('Content-Type')).toBe('application/json');

    expect(await api.send('POST', '/api/v1/presence', { body: { status: 'online' } })).toBeUndefined();
  });

  it('throws the API error and reports an expired session', async () => {
    const expired = vi.fn();
    const { api } = setup({ 'GET /api/v1/agents': () => errorBody(401, 'unauthenticated', 'Sign in first') }, expired);
    await expect(api.send('GET', '/api/v1/agents')).rejects.toMatchObject({ status: 401, code: 'unauthenticated', message: 'Sign in first' });
    expect(expired).toHaveBeenCalledTimes(1);
    const offline = createApi({ baseUrl: BASE, fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(offline.send('GET', '/api/v1/agents')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});

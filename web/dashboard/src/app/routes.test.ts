import { describe, expect, it } from 'vitest';
import type { Me } from '../api/types';
import { ME } from '../test/fakeFetch';
import { resolveRoute } from './routes';

const owner = ME as unknown as Me;
const agent = { ...owner, role: 'agent' } as Me;

describe('resolveRoute', () => {
  it('sends anonymous visitors to login, remembering where they were going', () => {
    expect(resolveRoute('/', null)).toEqual({ redirect: '/login' });
    expect(resolveRoute('/bots/42', null)).toEqual({ redirect: '/login?next=%2Fbots%2F42' });
    expect(resolveRoute('/login', null)).toEqual({ page: 'login' });
  });

  it('sends signed-in users away from login and the root to Bots', () => {
    expect(resolveRoute('/login', owner)).toEqual({ redirect: '/bots' });
    expect(resolveRoute('/', owner)).toEqual({ redirect: '/bots' });
  });

  it('routes pages', () => {
    expect(resolveRoute('/bots', owner)).toEqual({ page: 'bots' });
    expect(resolveRoute('/bots/abc', owner)).toEqual({ page: 'bot', id: 'abc' });
    expect(resolveRoute('/bots/abc/knowledge', owner)).toEqual({ page: 'knowledge', id: 'abc' });
    expect(resolveRoute('/bots/abc/faqs', owner)).toEqual({ page: 'faqs', id: 'abc' });
    expect(resolveRoute('/bots/abc/intents', owner)).toEqual({ page: 'intents', id: 'abc' });
    expect(resolveRoute('/inbox', owner)).toEqual({ page: 'inbox' });
    expect(resolveRoute('/inbox/c-1', owner)).toEqual({ page: 'inbox', conversationId: 'c-1' });
    expect(resolveRoute('/contacts', owner)).toEqual({ page: 'contacts' });
    expect(resolveRoute('/contacts/v-1', owner)).toEqual({ page: 'contact', id: 'v-1' });
    expect(resolveRoute('/contacts/v-1/x', owner)).toEqual({ page: 'not-found' });
    expect(resolveRoute('/canned-replies', owner)).toEqual({ page: 'canned' });
    expect(resolveRoute('/canned-replies', agent)).toEqual({ page: 'canned' });
    expect(resolveRoute('/bots/abc/nope', owner)).toEqual({ page: 'not-found' });
    expect(resolveRoute('/tokens', owner)).toEqual({ page: 'tokens' });
    expect(resolveRoute('/integrations', owner)).toEqual({ page: 'integrations' });
    expect(resolveRoute('/integrations', agent)).toEqual({ page: 'integrations' });
    expect(resolveRoute('/workflows', agent)).toEqual({ page: 'workflows', path: '/workflows' });
    expect(resolveRoute('/workflows/executions/x1', owner)).toEqual({ page: 'workflows', path: '/workflows/executions/x1' });
    expect(resolveRoute('/workflowsx', owner)).toEqual({ page: 'not-found' });
    expect(resolveRoute('/nope', owner)).toEqual({ page: 'not-found' });
  });

  it('keeps agents out of API tokens', () => {
    expect(resolveRoute('/tokens', agent)).toEqual({ redirect: '/bots' });
    expect(resolveRoute('/bots/abc', agent)).toEqual({ page: 'bot', id: 'abc' });
  });
});

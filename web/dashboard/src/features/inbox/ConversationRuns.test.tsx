// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, screen, within } from '@testing-library/react';
import { ME, bot, json } from '../../test/fakeFetch';
import { NO_INSIGHT } from '../../test/insight';
import { renderApp } from '../../test/renderApp';
import type { Summary } from './contract';
import { FakeEventSource } from './fakeEventSource.test-util';

afterEach(cleanup);

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

const sample = bot();
const open = {
  id: 'c1', bot_id: sample.id, visitor_id: 'v1', visitor_email: null, visitor_name: null, status: 'open',
  human_handoff: false, preview: 'I am furious', message_count: 1, tags: [], sentiment: null, lead_score: 0,
  lead_priority: 'cold', created_at: '2025-01-01T10:00:00Z', last_message_at: '2025-01-01T10:01:00Z',
} as unknown as Summary;

function routes(items: unknown[]) {
  return {
    'GET /api/v1/auth/me': () => json(200, ME),
    'GET /api/v1/bots': () => json(200, { items: [sample] }),
    'GET /api/v1/conversations': () => json(200, { items: [open], next_before: null }),
    'GET /api/v1/conversations/c1': () => json(200, { conversation: open, summary: '', insight: NO_INSIGHT, messages: [], notes: [] }),
    'GET /api/v1/executions': () => json(200, { items, next_before: null }),
  };
}

describe('the automations a conversation started', () => {
  it('lists its runs with links to their logs and to all of them', async () => {
    const run = { id: 'x1', workflow_id: 'w1', event_name: 'sentiment.negative', status: 'completed', created_at: '2025-01-01T10:01:01Z', conversation_id: 'c1' };
    const { calls } = renderApp('/inbox/c1', routes([run]));
    const region = await screen.findByRole('region', { name: 'Automations' });
    const link = await within(region).findByRole('link', { name: 'Sentiment turns negative' });
    expect(link.getAttribute('href')).toBe('/app/workflows/executions/x1');
    expect(within(region).getByText(/completed/)).toBeTruthy();
    expect(within(region).getByRole('link', { name: 'All runs for this conversation' }).getAttribute('href')).toBe('/app/workflows/executions?conversation=c1');
    const asked = calls.find((c) => c.path === '/api/v1/executions');
    expect(asked?.query.get('conversation_id')).toBe('c1');
  });

  it('says when no workflow has run', async () => {
    renderApp('/inbox/c1', routes([]));
    const region = await screen.findByRole('region', { name: 'Automations' });
    expect(await within(region).findByText('No workflow has run for this conversation')).toBeTruthy();
  });
});

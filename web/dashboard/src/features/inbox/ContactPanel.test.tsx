// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ConversationSummary } from '../../api/conversations';
import { ME, bot, errorBody, json, type Handler } from '../../test/fakeFetch';
import { NO_INSIGHT } from '../../test/insight';
import { renderApp } from '../../test/renderApp';
import type { ContactDetail, Summary } from './contract';
import { FakeEventSource } from './fakeEventSource.test-util';

afterEach(cleanup);

beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

const sample = bot();

function conv(id: string, overrides: Partial<Summary> = {}): Summary {
  return {
    id,
    bot_id: sample.id,
    visitor_id: 'v1',
    visitor_email: null,
    visitor_name: null,
    status: 'open',
    human_handoff: false,
    preview: 'How long does shipping take?',
    message_count: 2,
    tags: [],
    sentiment: null,
    lead_score: 0,
    lead_priority: 'cold',
    created_at: '2025-01-01T10:00:00Z',
    last_message_at: '2025-01-01T10:01:00Z',
    ...overrides,
  } as Summary;
}

function routes(open: Summary, contact: Handler): Record<string, Handler> {
  return {
    'GET /api/v1/auth/me': () => json(200, ME),
    'GET /api/v1/bots': () => json(200, { items: [sample] }),
    'GET /api/v1/conversations': () => json(200, { items: [open], next_before: null }),
    [`GET /api/v1/conversations/${open.id}`]: () => json(200, { conversation: open, summary: '', insight: NO_INSIGHT, messages: [], notes: [] }),
    'GET /api/v1/contacts/v1': contact,
  };
}

function detail(conversations: ConversationSummary[], overrides: Partial<ContactDetail['contact']> = {}): ContactDetail {
  return {
    contact: {
      id: 'v1',
      bot_id: sample.id,
      email: 'sam@example.com',
      name: 'Sam Lee',
      company: 'Acme',
      lead_score: 60,
      lead_priority: 'warm',
      stage: null,
      conversations: conversations.length,
      last_conversation_id: conversations[0]?.id ?? 'c1',
      last_seen_at: '2025-01-03T10:00:00Z',
      ...overrides,
    },
    signals: [],
    conversations: conversations as ContactDetail['conversations'],
  };
}

const panel = () => screen.findByRole('region', { name: 'Contact' });

describe('contact panel', () => {
  it('shows who the contact is, links their page and lists their other conversations', async () => {
    const open = conv('c1', { visitor_name: 'Sam Lee', visitor_email: 'sam@example.com' });
    const older = conv('c0', { status: 'resolved', preview: 'Do you ship to Norway?', last_message_at: '2024-12-20T09:00:00Z' });
    renderApp('/inbox/c1?status=all', routes(open, () => json(200, detail([open, older]))));

    const region = await panel();
    const list = await within(region).findByRole('list', { name: 'Other conversations' });
    expect(within(region).getByText('Sam Lee')).toBeTruthy();
    expect(within(region).getByRole('link', { name: 'sam@example.com' }).getAttribute('href')).toBe('mailto:sam@example.com');
    expect(within(region).getByText('Acme')).toBeTruthy();
    expect(within(region).getByRole('link', { name: 'Open contact page' }).getAttribute('href')).toBe('/app/contacts/v1');

    const links = within(list).getAllByRole('link');
    expect(links).toHaveLength(1);
    expect(links[0]!.textContent).toContain('Do you ship to Norway?');
    expect(links[0]!.textContent).toContain('Resolved');
    expect(links[0]!.querySelector('time')?.getAttribute('datetime')).toBe('2024-12-20T09:00:00Z');
    // The link keeps the list's filters.
    expect(links[0]!.getAttribute('href')).toBe('/app/inbox/c0?status=all');
  });

  it('says when the contact has no other conversations', async () => {
    const open = conv('c1', { visitor_email: 'sam@example.com' });
    renderApp('/inbox/c1', routes(open, () => json(200, detail([open], { name: null, company: null }))));
    const region = await panel();
    expect(await within(region).findByText('No other conversations')).toBeTruthy();
    expect(within(region).queryByText('Name')).toBeNull();
    expect(within(region).getByRole('link', { name: 'Open contact page' })).toBeTruthy();
  });

  it('reads a 404 as an anonymous visitor, quietly', async () => {
    const { calls } = renderApp('/inbox/c1', routes(conv('c1'), () => errorBody(404, 'not_found', 'Contact not found.')));
    const region = await panel();
    expect(within(region).getByText('Anonymous visitor — no email or name yet')).toBeTruthy();
    await waitFor(() => expect(within(region).queryByRole('status')).toBeNull());
    expect(calls.some((c) => c.path === '/api/v1/contacts/v1')).toBe(true);
    expect(within(region).queryByRole('alert')).toBeNull();
    expect(within(region).queryByRole('link')).toBeNull();
    expect(within(region).queryByText('No other conversations')).toBeNull();
  });

  it('says when the lookup failed and tries again', async () => {
    let fail = true;
    const open = conv('c1', { visitor_email: 'sam@example.com' });
    renderApp(
      '/inbox/c1',
      routes(open, () => (fail ? errorBody(500, 'internal', 'Something went wrong.') : json(200, detail([open])))),
    );
    const region = await panel();
    const alert = await within(region).findByRole('alert');
    expect(alert.textContent).toContain('Could not load this visitor’s other conversations.');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    expect(await within(region).findByText('No other conversations')).toBeTruthy();
  });
});

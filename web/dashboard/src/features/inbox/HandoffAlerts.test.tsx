// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createApi } from '../../api/client';
import { ApiProvider } from '../../api/context';
import { SessionProvider, useSession } from '../../lib/session';
import { ME, fakeFetch, json } from '../../test/fakeFetch';
import { ToastProvider } from '../../ui/Toast';
import type { Summary } from './contract';
import { FakeEventSource } from './fakeEventSource.test-util';
import { HandoffAlerts, NotificationsButton, handoffPath } from './HandoffAlerts';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});
beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  window.history.replaceState(null, '', '/app/bots');
});

function SignedIn() {
  const { state } = useSession();
  return state.status === 'authenticated' ? <HandoffAlerts /> : null;
}

function mount() {
  const fake = fakeFetch({
    'GET /api/v1/auth/me': () => json(200, ME),
    'GET /api/v1/conversations/c11': () =>
      json(200, { conversation: summary({ id: 'c11', visitor_name: null, visitor_email: 'kim@example.com' }), summary: '', messages: [], notes: [] }),
  });
  const api = createApi({ baseUrl: window.location.origin, fetch: fake.fetch });
  render(
    <ApiProvider api={api}>
      <ToastProvider>
        <SessionProvider>
          <SignedIn />
          <NotificationsButton />
        </SessionProvider>
      </ToastProvider>
    </ApiProvider>,
  );
}

const summary = (overrides: Partial<Summary> = {}): Summary => ({
  id: 'c9',
  bot_id: 'b',
  visitor_id: 'v',
  visitor_email: null,
  visitor_name: 'Sam Lee',
  status: 'open',
  human_handoff: false,
  preview: 'Can I talk to a person?',
  message_count: 3,
  tags: [],
  sentiment: null,
  sentiment_label: null,
  lead_score: 0,
  lead_priority: 'cold',
  waiting_since: '2025-01-01T10:00:00Z',
  assignee: null,
  rating: null,
  created_at: '2025-01-01T10:00:00Z',
  last_message_at: '2025-01-01T10:00:00Z',
  ...overrides,
});

async function stream() {
  await vi.waitFor(() => expect(FakeEventSource.all).toHaveLength(1));
  const source = FakeEventSource.all[0]!;
  source.open();
  return source;
}

describe('handoff alerts', () => {
  it('show a toast on any page whose button opens the conversation in the Waiting view', async () => {
    mount();
    const source = await stream();
    source.emit('handoff.requested', { conversation: summary() });
    expect(screen.getByText('Sam Lee wants to talk to a person')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Open conversation' }));
    expect(window.location.pathname + window.location.search).toBe('/app/inbox/c9?view=waiting');
    expect(handoffPath('c9')).toBe('/inbox/c9?view=waiting');
  });

  it('ring once per conversation, and not for one a teammate has', async () => {
    mount();
    const source = await stream();
    source.emit('handoff.requested', { conversation: summary() });
    source.emit('handoff.requested', { conversation: summary() });
    source.emit('handoff.requested', { conversation: summary({ id: 'c10', visitor_name: 'Kim', assignee: { id: 'u-bo', name: 'Bo' } }) });
    expect(screen.getAllByText(/wants to talk to a person/)).toHaveLength(1);
  });

  it('look the visitor up when the event names only the conversation', async () => {
    mount();
    const source = await stream();
    source.emit('handoff.requested', { conversation_id: 'c11', bot_id: 'b', preview: 'Person please', waiting_since: '2025-01-01T10:00:00Z', assignee_id: null });
    expect(await screen.findByText('kim@example.com wants to talk to a person')).toBeTruthy();
    // Not found: still said, without a name.
    source.emit('handoff.requested', { conversation_id: 'c12', preview: 'Hello?', assignee_id: null });
    expect(await screen.findByText('A visitor wants to talk to a person')).toBeTruthy();
  });

  it('ask for notification permission only from the button', async () => {
    const requestPermission = vi.fn().mockResolvedValue('granted');
    vi.stubGlobal('Notification', { permission: 'default', requestPermission });
    mount();
    await stream();
    expect(requestPermission).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Enable notifications' }));
    await vi.waitFor(() => expect(screen.queryByRole('button', { name: 'Enable notifications' })).toBeNull());
    expect(requestPermission).toHaveBeenCalledTimes(1);
  });

  it('say plainly when notifications are blocked', async () => {
    vi.stubGlobal('Notification', { permission: 'denied', requestPermission: vi.fn() });
    mount();
    expect(screen.getByText('Notifications blocked')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Enable notifications' })).toBeNull();
  });
});

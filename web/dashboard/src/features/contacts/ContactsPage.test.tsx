// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

function contact(id: string, over: Record<string, unknown> = {}) {
  return {
    id,
    bot_id: 'b1',
    email: `${id}@acme.com`,
    name: null,
    company: null,
    lead_score: 10,
    lead_priority: 'cold',
    stage: null,
    conversations: 1,
    last_conversation_id: `c-${id}`,
    last_seen_at: '2025-01-02T03:04:05Z',
    ...over,
  };
}

const JO = contact('jo', { name: 'Jo Miller', company: 'Acme Corp', lead_score: 72, lead_priority: 'hot', stage: 'qualified', conversations: 2 });
const SAM = contact('sam', { lead_score: 35, lead_priority: 'warm' });

const rows = () =>
  within(screen.getByRole('table', { name: 'Contacts' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelector('a')?.textContent);

describe('contacts list', () => {
  it('lists contacts with their score, stage and conversations, and pages with next_before', async () => {
    const { calls } = renderApp('/contacts', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts': (r) =>
        r.query.get('before') === 'cursor-1'
          ? json(200, { items: [contact('lee')], next_before: null })
          : json(200, { items: [JO, SAM], next_before: 'cursor-1' }),
    });
    await screen.findByRole('table', { name: 'Contacts' });
    expect(rows()).toEqual(['Jo Miller', 'sam@acme.com']);
    const jo = screen.getByRole('row', { name: /Jo Miller/ });
    expect(within(jo).getByText('jo@acme.com')).toBeTruthy();
    expect(within(jo).getByText('Acme Corp')).toBeTruthy();
    expect(within(jo).getByText('Hot lead · 72')).toBeTruthy();
    expect(within(jo).getByText('Qualified')).toBeTruthy();
    expect(within(jo).getByRole('link', { name: 'Jo Miller' }).getAttribute('href')).toBe('/app/contacts/jo');
    expect(calls.find((c) => c.path === '/api/v1/contacts')?.query.get('limit')).toBe('50');

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(rows()).toEqual(['Jo Miller', 'sam@acme.com', 'lee@acme.com']));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('filters by words, lead and stage, in the address and the export link', async () => {
    const { calls } = renderApp('/contacts', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts': (r) => json(200, { items: r.query.get('lead') === 'hot' ? [JO] : [JO, SAM], next_before: null }),
    });
    await screen.findByRole('table', { name: 'Contacts' });
    const exportLink = screen.getByRole('link', { name: 'Export CSV' });
    expect(exportLink.getAttribute('href')).toBe('/api/v1/contacts/export.csv');

    fireEvent.change(screen.getByLabelText('Search contacts'), { target: { value: ' acme ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    fireEvent.change(screen.getByLabelText('Lead'), { target: { value: 'hot' } });
    fireEvent.change(screen.getByLabelText('Stage'), { target: { value: 'qualified' } });
    await waitFor(() => expect(rows()).toEqual(['Jo Miller']));
    await waitFor(() => expect(calls.at(-1)?.query.toString()).toBe('q=acme&lead=hot&stage=qualified&limit=50'));
    expect(window.location.search).toBe('?q=acme&lead=hot&stage=qualified');
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe(
      '/api/v1/contacts/export.csv?q=acme&lead=hot&stage=qualified',
    );

    fireEvent.click(screen.getAllByRole('button', { name: 'Clear filters' })[0]!);
    await waitFor(() => expect(rows()).toEqual(['Jo Miller', 'sam@acme.com']));
    expect((screen.getByLabelText('Search contacts') as HTMLInputElement).value).toBe('');
    expect(screen.getByRole('link', { name: 'Export CSV' }).getAttribute('href')).toBe('/api/v1/contacts/export.csv');
  });

  it('explains how visitors become contacts when there are none', async () => {
    renderApp('/contacts', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts': () => json(200, { items: [], next_before: null }),
    });
    expect(await screen.findByText('No contacts yet')).toBeTruthy();
    expect(screen.getByText(/give an email or a name in the chat, or show buying signals/)).toBeTruthy();
  });

  it('says when filters match nobody, with a way out', async () => {
    renderApp('/contacts?lead=cold', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts': (r) => json(200, { items: r.query.get('lead') ? [] : [SAM], next_before: null }),
    });
    expect(await screen.findByText('No contacts match these filters')).toBeTruthy();
    expect((screen.getByLabelText('Lead') as HTMLSelectElement).value).toBe('cold');
    fireEvent.click(screen.getAllByRole('button', { name: 'Clear filters' })[1]!);
    await waitFor(() => expect(rows()).toEqual(['sam@acme.com']));
  });

  it('is in the main navigation', async () => {
    renderApp('/contacts', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts': () => json(200, { items: [], next_before: null }),
    });
    const link = await screen.findByRole('link', { name: 'Contacts' });
    expect(link.getAttribute('aria-current')).toBe('page');
  });
});

describe('contact detail', () => {
  it('shows the score’s signals and links the conversations to the inbox', async () => {
    renderApp('/contacts/jo', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts/jo': () =>
        json(200, {
          contact: JO,
          signals: [
            { name: 'intent:bulk_order', points: 40, evidence: '“500 units”' },
            { name: 'email_domain', points: 32, evidence: 'acme.com is a company domain' },
          ],
          conversations: [
            {
              id: 'c-1',
              bot_id: 'b1',
              visitor_id: 'jo',
              visitor_email: 'jo@acme.com',
              status: 'open',
              human_handoff: false,
              preview: 'We need 500 tents',
              message_count: 4,
              tags: [],
              sentiment: 0.2,
              lead_score: 72,
              lead_priority: 'hot',
              created_at: '2025-01-02T03:00:00Z',
              last_message_at: '2025-01-02T03:04:05Z',
            },
          ],
        }),
    });
    expect(await screen.findByRole('heading', { name: 'Jo Miller', level: 1 })).toBeTruthy();
    const lead = screen.getByRole('region', { name: 'Lead' });
    expect(within(lead).getByRole('meter', { name: 'Lead score' }).getAttribute('aria-valuenow')).toBe('72');
    const breakdown = within(lead).getByRole('table');
    expect(within(breakdown).getByText('Intent: bulk order')).toBeTruthy();
    expect(within(breakdown).getByText('+40')).toBeTruthy();
    expect(within(breakdown).getByText('“500 units”')).toBeTruthy();
    const conversation = within(screen.getByRole('list', { name: 'Conversations' })).getByRole('link');
    expect(conversation.getAttribute('href')).toBe('/app/inbox/c-1');
    expect(conversation.textContent).toContain('We need 500 tents');
    expect(conversation.textContent).toContain('4 messages');
    expect(screen.getByRole('link', { name: 'Back to Contacts' }).getAttribute('href')).toBe('/app/contacts');
  });

  it('says when the contact does not exist', async () => {
    renderApp('/contacts/nobody', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/contacts/nobody': () => errorBody(404, 'not_found', 'contact not found'),
    });
    expect(await screen.findByRole('heading', { name: 'Contact not found' })).toBeTruthy();
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CSRF_HEADER } from '../../api/client';
import { ME, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const reply = (id: string, shortcut: string, body: string) => ({ id, shortcut, body, created_at: '2025-01-02T03:04:05Z' });
const SHIPPING = reply('r1', 'shipping', 'Hi {{visitor.name}}, standard shipping takes 3 to 5 business days.');
const REFUND = reply('r2', 'refund', 'Refunds reach your card within 5 days. {{agent.name}}');

const shortcuts = () =>
  within(screen.getByRole('table', { name: 'Canned replies' }))
    .getAllByRole('row')
    .slice(1)
    .map((r) => r.querySelector('code')?.textContent);

describe('canned replies page', () => {
  it('creates, edits and deletes replies', async () => {
    const { calls } = renderApp('/canned-replies', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/canned-replies': () => json(200, [SHIPPING]),
      'POST /api/v1/canned-replies': (r) => json(201, { ...reply('r3', '', ''), ...(r.body as object) }),
      'PUT /api/v1/canned-replies/r1': (r) => json(200, { ...SHIPPING, ...(r.body as object) }),
      'DELETE /api/v1/canned-replies/r1': () => new Response(null, { status: 204 }),
    });
    await screen.findByRole('table', { name: 'Canned replies' });
    expect(shortcuts()).toEqual(['/shipping']);

    // Create: checked first, then sent normalized, with the CSRF token.
    fireEvent.click(screen.getByRole('button', { name: 'New reply' }));
    const dialog = screen.getByRole('dialog', { name: 'New canned reply' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add reply' }));
    expect(within(dialog).getByText('Enter a shortcut, e.g. shipping')).toBeTruthy();
    expect(within(dialog).getByText('Enter the reply')).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('Shortcut'), { target: { value: '/Hello' } });
    const body = within(dialog).getByLabelText('Reply') as HTMLTextAreaElement;
    fireEvent.change(body, { target: { value: 'Hi , how can I help?' } });
    body.setSelectionRange(3, 3);
    fireEvent.click(within(dialog).getByRole('button', { name: '{{visitor.name}}' }));
    expect(body.value).toBe('Hi {{visitor.name}}, how can I help?');
    expect(within(dialog).getByRole('region', { name: 'Preview' }).textContent).toContain('Hi Jo Miller, how can I help?');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add reply' }));
    await waitFor(() => expect(shortcuts()).toEqual(['/hello', '/shipping']));
    const post = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/canned-replies')!;
    expect(post.body).toEqual({ shortcut: 'hello', body: 'Hi {{visitor.name}}, how can I help?' });
    expect(post.headers.get(CSRF_HEADER)).toBe(ME.csrf_token);

    // Edit.
    fireEvent.click(screen.getByRole('button', { name: 'Edit /shipping' }));
    const edit = screen.getByRole('dialog', { name: 'Edit /shipping' });
    expect((within(edit).getByLabelText('Reply') as HTMLTextAreaElement).value).toBe(SHIPPING.body);
    fireEvent.change(within(edit).getByLabelText('Reply'), { target: { value: 'Shipping takes 2 days with express.' } });
    fireEvent.click(within(edit).getByRole('button', { name: 'Save reply' }));
    await screen.findByText('Shipping takes 2 days with express.');
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ shortcut: 'shipping', body: 'Shipping takes 2 days with express.' });

    // Delete, after asking.
    fireEvent.click(screen.getByRole('button', { name: 'Delete /shipping' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Delete /shipping?' })).getByRole('button', { name: 'Delete reply' }));
    await waitFor(() => expect(shortcuts()).toEqual(['/hello']));
  });

  it('opens the edit dialog on the reply, never on what a cancelled dialog left behind', async () => {
    renderApp('/canned-replies', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/canned-replies': () => json(200, [SHIPPING]),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'New reply' }));
    const created = screen.getByRole('dialog', { name: 'New canned reply' });
    fireEvent.change(within(created).getByLabelText('Shortcut'), { target: { value: 'typed' } });
    fireEvent.change(within(created).getByLabelText('Reply'), { target: { value: 'Another answer' } });
    fireEvent.click(within(created).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();

    // What the field that gets focus holds the moment the dialog opens: the first thing
    // seen, and what typing at once would change.
    const focused: string[] = [];
    const onFocus = (e: FocusEvent) => focused.push((e.target as HTMLInputElement).value);
    document.addEventListener('focusin', onFocus);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Edit /shipping' }));
    } finally {
      document.removeEventListener('focusin', onFocus);
    }
    expect(focused).toEqual(['shipping']);
    const edit = screen.getByRole('dialog', { name: 'Edit /shipping' });
    expect((within(edit).getByLabelText('Reply') as HTMLTextAreaElement).value).toBe(SHIPPING.body);
    fireEvent.click(within(edit).getByRole('button', { name: 'Cancel' }));

    fireEvent.click(screen.getByRole('button', { name: 'New reply' }));
    const again = screen.getByRole('dialog', { name: 'New canned reply' });
    expect((within(again).getByLabelText('Shortcut') as HTMLInputElement).value).toBe('');
    expect((within(again).getByLabelText('Reply') as HTMLTextAreaElement).value).toBe('');
  });

  it('shows a taken shortcut (409) on the shortcut field', async () => {
    renderApp('/canned-replies', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/canned-replies': () => json(200, [SHIPPING, REFUND]),
      'PUT /api/v1/canned-replies/r2': () => errorBody(409, 'conflict', 'a canned reply with this shortcut exists'),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit /refund' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit /refund' });
    const shortcut = within(dialog).getByLabelText('Shortcut');
    fireEvent.change(shortcut, { target: { value: 'shipping' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save reply' }));
    expect(await within(dialog).findByText('/shipping is taken: pick another shortcut, or edit that reply.')).toBeTruthy();
    expect(shortcut.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(shortcut));
    expect(within(dialog).queryByRole('alert')).toBeNull();
  });

  it('explains placeholders, and what to do when there are no replies', async () => {
    renderApp('/canned-replies', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/canned-replies': () => json(200, []),
    });
    expect(await screen.findByText('No canned replies yet')).toBeTruthy();
    const help = screen.getByRole('region', { name: 'Placeholders' });
    for (const token of ['{{visitor.name}}', '{{visitor.email}}', '{{agent.name}}']) expect(within(help).getByText(token)).toBeTruthy();
    expect(within(help).getByText(/or “Hi there!” when the visitor gave no name/)).toBeTruthy();
    expect(screen.getAllByRole('button', { name: 'New reply' })).toHaveLength(2);
    const nav = screen.getByRole('link', { name: 'Canned replies' });
    expect(nav.getAttribute('aria-current')).toBe('page');
  });

  it('lets agents read the replies but not change them', async () => {
    renderApp('/canned-replies', {
      'GET /api/v1/auth/me': () => json(200, { ...ME, role: 'agent' }),
      'GET /api/v1/canned-replies': () => json(200, [SHIPPING]),
    });
    await screen.findByRole('table', { name: 'Canned replies' });
    expect(screen.getByText(/Ask an admin to add or change them/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New reply' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit /shipping' })).toBeNull();
  });
});

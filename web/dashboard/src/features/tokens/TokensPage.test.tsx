// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { ME, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const existing = {
  id: '0190a0b0-0000-7000-8000-0000000000t1',
  name: 'Zapier',
  prefix: 'prl_ab12',
  role: 'admin',
  created_at: '2025-01-01T00:00:00Z',
  last_used_at: null,
  revoked_at: null,
};

describe('API tokens', () => {
  it('shows a new token secret once, with a warning, and lists the token', async () => {
    const created = { ...existing, id: 'new-id', name: 'CI deploy', prefix: 'prl_cd34', role: 'agent', created_at: '2025-02-01T00:00:00Z' };
    const { calls } = renderApp('/tokens', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/tokens': () => json(200, { items: [existing] }),
      'POST /api/v1/tokens': () => json(201, { token: created, secret: 'prl_cd34_SECRET' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Create token' }));
    const dialog = screen.getByRole('dialog', { name: 'Create API token' });
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'CI deploy' } });
    fireEvent.change(within(dialog).getByLabelText('Role'), { target: { value: 'agent' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create token' }));

    const shown = await screen.findByRole('dialog', { name: 'Copy your new token' });
    expect(within(shown).getByText('prl_cd34_SECRET')).toBeTruthy();
    expect(shown.textContent).toMatch(/will not be shown again/);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'CI deploy', role: 'agent' });

    fireEvent.click(within(shown).getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('prl_cd34_SECRET')).toBeNull();
    const table = screen.getByRole('table', { name: 'API tokens' });
    expect(within(table).getByText('CI deploy')).toBeTruthy();

    // Another token: an empty form with the focus in it, and the last secret not shown again, even for a moment.
    const focused: Element[] = [];
    const onFocus = (e: FocusEvent) => focused.push(e.target as Element);
    document.addEventListener('focusin', onFocus);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    } finally {
      document.removeEventListener('focusin', onFocus);
    }
    const again = screen.getByRole('dialog', { name: 'Create API token' });
    const name = within(again).getByLabelText('Name') as HTMLInputElement;
    expect(focused).toEqual([name]);
    expect(document.activeElement).toBe(name);
    expect(name.value).toBe('');
    expect(screen.queryByText('prl_cd34_SECRET')).toBeNull();
  });

  it('revokes only after confirming', async () => {
    let revoked = false;
    const { calls } = renderApp('/tokens', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/tokens': () =>
        json(200, { items: [{ ...existing, revoked_at: revoked ? '2025-03-01T00:00:00Z' : null }] }),
      [`DELETE /api/v1/tokens/${existing.id}`]: () => {
        revoked = true;
        return new Response(null, { status: 204 });
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke Zapier' }));
    const dialog = screen.getByRole('dialog', { name: 'Revoke "Zapier"?' });
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    expect(await screen.findByText('Revoked')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Revoke Zapier' })).toBeNull();
    expect(calls.find((c) => c.method === 'DELETE')?.headers.get('X-CSRF-Token')).toBe(ME.csrf_token);
  });
});

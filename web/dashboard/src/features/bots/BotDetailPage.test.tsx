// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CSRF_HEADER } from '../../api/client';
import { ME, bot, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const sample = bot();
const agentBot = bot({ identity_secret: null });

describe('bot detail (owner)', () => {
  it('saves the whole appearance with PATCH and the CSRF token, then shows a toast', async () => {
    const { calls } = renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
      [`PATCH /api/v1/bots/${sample.id}`]: (r) => {
        const body = r.body as { appearance: typeof sample.appearance };
        return json(200, { ...sample, appearance: body.appearance });
      },
    });
    const greeting = await screen.findByLabelText('Greeting');
    fireEvent.change(greeting, { target: { value: 'Welcome back!' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    expect(await screen.findByText('Changes saved')).toBeTruthy();
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers.get(CSRF_HEADER)).toBe(ME.csrf_token);
    expect(patch.body).toEqual({
      name: 'Support Bot',
      allowed_origins: ['https://www.example.com'],
      appearance: { ...sample.appearance, greeting: 'Welcome back!' },
      behaviour: sample.behaviour,
    });
    expect((screen.getByRole('button', { name: 'Save changes' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('puts server field errors next to their fields', async () => {
    renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
      [`PATCH /api/v1/bots/${sample.id}`]: () =>
        errorBody(422, 'validation_failed', 'Some values are not valid', { 'allowed_origins': 'origin is not allowed here' }),
    });
    fireEvent.change(await screen.findByLabelText('Allowed origins'), { target: { value: 'https://shop.example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(screen.getByLabelText('Allowed origins').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('origin is not allowed here')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Allowed origins')));
    expect(screen.getByRole('alert').textContent).toBe('Some fields need attention.');
  });

  it("shows the server's message when an error has no field", async () => {
    renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
      [`PATCH /api/v1/bots/${sample.id}`]: () => errorBody(403, 'forbidden', 'your role does not allow this'),
    });
    fireEvent.change(await screen.findByLabelText('Title'), { target: { value: 'New title' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect((await screen.findByRole('alert')).textContent).toBe('your role does not allow this');
  });

  it('checks fields before saving and does not call the server when they are wrong', async () => {
    const { calls } = renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
    });
    fireEvent.change(await screen.findByLabelText('Memory turns'), { target: { value: '99' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Enter a whole number from 1 to 50')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Memory turns')));
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
  });

  it('shows the embed snippet and hides the identity secret until revealed', async () => {
    renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
    });
    const embed = await screen.findByRole('region', { name: 'Embed snippet' });
    expect(embed.textContent).toContain('data-bot="pk_live_abc123"');
    expect(screen.queryByText('is_secret_xyz')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Reveal' }));
    expect(screen.getByText('is_secret_xyz')).toBeTruthy();
  });

  it('asks before rotating the public key and explains embeds must change', async () => {
    const { calls } = renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
      [`POST /api/v1/bots/${sample.id}/rotate`]: () => json(200, { ...sample, public_key: 'pk_rotated' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Rotate public key' }));
    const dialog = screen.getByRole('dialog', { name: 'Rotate public key?' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(dialog.textContent).toMatch(/must be updated/);
    expect(calls.some((c) => c.path.endsWith('/rotate'))).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Rotate' }));
    expect(await screen.findByText('pk_rotated')).toBeTruthy();
    expect(calls.find((c) => c.path.endsWith('/rotate'))?.body).toEqual({ key: 'public_key' });
  });
});

describe('bot detail (agent)', () => {
  it('is read-only: no save, rotate, delete, identity secret or tokens nav', async () => {
    renderApp(`/bots/${agentBot.id}`, {
      'GET /api/v1/auth/me': () => json(200, { ...ME, role: 'agent' }),
      [`GET /api/v1/bots/${agentBot.id}`]: () => json(200, agentBot),
    });
    expect(await screen.findByText(/read-only access/)).toBeTruthy();
    const name = screen.getByLabelText('Name') as HTMLInputElement;
    expect(name.readOnly).toBe(true);
    for (const label of ['Save changes', 'Rotate public key', 'Rotate identity secret', 'Delete bot', 'Reveal']) {
      expect(screen.queryByRole('button', { name: label }), label).toBeNull();
    }
    expect(screen.queryByText('Identity secret')).toBeNull();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).queryByRole('link', { name: 'API tokens' })).toBeNull();
    expect(within(nav).getByRole('link', { name: 'Bots' })).toBeTruthy();
  });
});

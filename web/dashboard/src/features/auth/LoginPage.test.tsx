// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import { ME, bot, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const anonymous = () => errorBody(401, 'unauthenticated', 'Sign in first');

async function fillAndSubmit(password: string) {
  fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'admin@example.com' } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('login', () => {
  it('redirects to the login page when /auth/me says 401', async () => {
    renderApp('/bots', { 'GET /api/v1/auth/me': anonymous });
    expect(await screen.findByRole('heading', { name: 'Sign in to your workspace' })).toBeTruthy();
    expect(window.location.pathname).toBe('/app/login');
    expect(window.location.search).toBe('?next=%2Fbots');
  });

  it('shows a clear message for wrong credentials', async () => {
    const { calls } = renderApp('/login', {
      'GET /api/v1/auth/me': anonymous,
      'POST /api/v1/auth/login': () => errorBody(401, 'invalid_credentials', 'invalid credentials'),
    });
    await fillAndSubmit('wrong-password');
    expect((await screen.findByRole('alert')).textContent).toBe('Email or password is incorrect');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ email: 'admin@example.com', password: 'wrong-password' });
  });

  it('counts down from Retry-After on 429 and blocks the button', async () => {
    renderApp('/login', {
      'GET /api/v1/auth/me': anonymous,
      'POST /api/v1/auth/login': () =>
        errorBody(429, 'too_many_attempts', 'Too many attempts', undefined, { 'Retry-After': '30' }),
    });
    await fillAndSubmit('whatever-pass');
    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts, try again in 30 seconds');
    expect((screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('validates empty fields without calling the server', async () => {
    const { calls } = renderApp('/login', { 'GET /api/v1/auth/me': anonymous });
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('Enter your email address')).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('goes to Bots after signing in, then to the page asked for', async () => {
    renderApp('/login?next=%2Fbots', {
      'GET /api/v1/auth/me': anonymous,
      'POST /api/v1/auth/login': () => json(200, ME),
      'GET /api/v1/bots': () => json(200, { items: [bot()] }),
    });
    await fillAndSubmit('correct-password');
    expect(await screen.findByRole('link', { name: 'Support Bot' })).toBeTruthy();
    expect(window.location.pathname).toBe('/app/bots');
    expect(screen.getByText('admin@example.com')).toBeTruthy();
    expect(screen.getByText('Acme')).toBeTruthy();
  });
});

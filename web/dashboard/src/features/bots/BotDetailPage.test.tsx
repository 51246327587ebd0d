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
      // The fake bot predates the handoff settings, so the form sends the server's defaults.
      behaviour: { ...sample.behaviour, handoff_intents: ['human_agent'], business_hours: null, auto_assign: false, fallbacks_before_handoff: 3 },
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

  it('saves the handoff settings with the behaviour and shows their server errors at the fields', async () => {
    let reply = () => errorBody(422, 'validation_failed', 'Some values are not valid', {
      'behaviour.business_hours.timezone': 'must be an IANA time zone such as Europe/Berlin',
    });
    const { calls } = renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
      [`PATCH /api/v1/bots/${sample.id}`]: () => reply(),
    });
    const card = within((await screen.findByRole('heading', { name: 'Handoff to a person' })).closest('section')!);
    fireEvent.change(card.getByLabelText('Handoff intents'), { target: { value: 'human_agent, complaint' } });
    fireEvent.change(card.getByLabelText(/unanswered questions in a row/), { target: { value: '2' } });
    fireEvent.click(card.getByLabelText('Assign to online agents in turn'));
    expect(card.queryByLabelText('Time zone')).toBeNull();
    fireEvent.click(card.getByRole('switch', { name: 'Always open' }));
    fireEvent.change(card.getByLabelText('Time zone'), { target: { value: 'Europe/Berlin' } });
    fireEvent.change(card.getByLabelText('Monday closes'), { target: { value: '12:00' } });
    fireEvent.click(card.getByLabelText('Saturday'));
    fireEvent.click(card.getByLabelText('Friday'));
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));

    await waitFor(() => expect(card.getByLabelText('Time zone').getAttribute('aria-invalid')).toBe('true'));
    expect(card.getByText('must be an IANA time zone such as Europe/Berlin')).toBeTruthy();
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect((patch.body as { behaviour: unknown }).behaviour).toEqual({
      ...sample.behaviour,
      handoff_intents: ['human_agent', 'complaint'],
      fallbacks_before_handoff: 2,
      auto_assign: true,
      business_hours: {
        timezone: 'Europe/Berlin',
        days: [
          { day: 'mon', open: '09:00', close: '12:00' },
          { day: 'tue', open: '09:00', close: '17:00' },
          { day: 'wed', open: '09:00', close: '17:00' },
          { day: 'thu', open: '09:00', close: '17:00' },
          { day: 'sat', open: '09:00', close: '17:00' },
        ],
      },
    });

    reply = () => json(200, { ...sample, behaviour: (calls.at(-1)!.body as { behaviour: unknown }).behaviour });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Changes saved')).toBeTruthy();
    expect((card.getByLabelText('Monday closes') as HTMLInputElement).value).toBe('12:00');
    expect(card.getAllByText('Closed')).toHaveLength(2); // Friday and Sunday
  });

  it('checks opening hours before saving', async () => {
    const { calls } = renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/bots/${sample.id}`]: () => json(200, sample),
    });
    fireEvent.click(await screen.findByRole('switch', { name: 'Always open' }));
    fireEvent.change(screen.getByLabelText('Tuesday opens'), { target: { value: '18:00' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Tuesday closes before it opens')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Tuesday opens')));
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);
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

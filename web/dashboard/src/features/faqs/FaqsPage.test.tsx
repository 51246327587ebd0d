// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, bot, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const sample = bot();
const base = `/api/v1/bots/${sample.id}`;

function faq(id: string, question: string, position: number, enabled = true) {
  return { id, question, answer: `Answer to ${question}`, enabled, position, created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' };
}

const initial = [faq('f1', 'Shipping?', 0), faq('f2', 'Returns?', 1), faq('f3', 'Sizing?', 2)];

function questions() {
  return within(screen.getByRole('list', { name: 'FAQs' }))
    .getAllByRole('listitem')
    .map((li) => li.querySelector('.faq-question')?.textContent);
}

describe('FAQ page', () => {
  it('moves an FAQ up, posting every id in the new order, and keeps focus on it', async () => {
    const { calls } = renderApp(`/bots/${sample.id}/faqs`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/faqs`]: () => json(200, { items: initial }),
      [`POST ${base}/faqs/reorder`]: (req) => {
        const ids = (req.body as { ids: string[] }).ids;
        return json(200, { items: ids.map((id, i) => ({ ...initial.find((f) => f.id === id)!, position: i })) });
      },
    });
    const up = await screen.findByRole('button', { name: 'Move up: Sizing?' });
    expect((screen.getByRole('button', { name: 'Move up: Shipping?' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Move down: Sizing?' }) as HTMLButtonElement).disabled).toBe(true);
    up.focus();
    fireEvent.click(up);
    await waitFor(() => expect(questions()).toEqual(['Shipping?', 'Sizing?', 'Returns?']));
    expect(calls.find((c) => c.path.endsWith('/reorder'))?.body).toEqual({ ids: ['f1', 'f3', 'f2'] });
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Move up: Sizing?'));
  });

  it('puts the order back when the server refuses it', async () => {
    renderApp(`/bots/${sample.id}/faqs`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/faqs`]: () => json(200, { items: initial }),
      [`POST ${base}/faqs/reorder`]: () => errorBody(422, 'invalid', 'ids must list every FAQ'),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Move down: Shipping?' }));
    expect(await screen.findByText(/Could not reorder: ids must list every FAQ/)).toBeTruthy();
    expect(questions()).toEqual(['Shipping?', 'Returns?', 'Sizing?']);
  });

  it('creates, toggles and deletes FAQs', async () => {
    const { calls } = renderApp(`/bots/${sample.id}/faqs`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/faqs`]: () => json(200, { items: initial }),
      [`POST ${base}/faqs`]: (req) => json(201, { ...faq('f4', 'Gift cards?', 3), ...(req.body as object) }),
      [`PATCH ${base}/faqs/f2`]: (req) => json(200, { ...initial[1], ...(req.body as object) }),
      [`DELETE ${base}/faqs/f1`]: () => new Response(null, { status: 204 }),
    });
    fireEvent.click((await screen.findAllByRole('button', { name: 'New FAQ' }))[0]!);
    const dialog = screen.getByRole('dialog', { name: 'New FAQ' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add FAQ' }));
    expect(within(dialog).getByText('Question is required')).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText('Question'), { target: { value: ' Gift cards? ' } });
    fireEvent.change(within(dialog).getByLabelText('Answer'), { target: { value: 'They never expire.' } });
    fireEvent.click(within(dialog).getByRole('switch'));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add FAQ' }));
    await waitFor(() => expect(questions()).toEqual(['Shipping?', 'Returns?', 'Sizing?', 'Gift cards?']));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ question: 'Gift cards?', answer: 'They never expire.', enabled: false });

    fireEvent.click(screen.getByRole('switch', { name: 'Enabled: Returns?' }));
    await waitFor(() => expect((screen.getByRole('switch', { name: 'Enabled: Returns?' }) as HTMLInputElement).checked).toBe(false));
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ enabled: false });

    fireEvent.click(screen.getByRole('button', { name: 'Delete: Shipping?' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Delete this FAQ?' })).getByRole('button', { name: 'Delete FAQ' }));
    await waitFor(() => expect(questions()).toEqual(['Returns?', 'Sizing?', 'Gift cards?']));
  });

  it('opens Edit on the FAQ, never on what a cancelled dialog left behind', async () => {
    renderApp(`/bots/${sample.id}/faqs`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/faqs`]: () => json(200, { items: initial }),
    });
    fireEvent.click((await screen.findAllByRole('button', { name: 'New FAQ' }))[0]!);
    const created = screen.getByRole('dialog', { name: 'New FAQ' });
    fireEvent.change(within(created).getByLabelText('Question'), { target: { value: 'Typed, then cancelled' } });
    fireEvent.click(within(created).getByRole('button', { name: 'Cancel' }));

    // What the focused field holds the moment the dialog opens.
    const focused: string[] = [];
    const onFocus = (e: FocusEvent) => focused.push((e.target as HTMLInputElement).value);
    document.addEventListener('focusin', onFocus);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Edit: Returns?' }));
    } finally {
      document.removeEventListener('focusin', onFocus);
    }
    expect(focused).toEqual(['Returns?']);
    const edit = screen.getByRole('dialog', { name: 'Edit FAQ' });
    expect((within(edit).getByLabelText('Answer') as HTMLTextAreaElement).value).toBe('Answer to Returns?');
  });
});

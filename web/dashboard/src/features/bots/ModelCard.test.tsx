// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { CSRF_HEADER } from '../../api/client';
import { ME, bot, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';

afterEach(cleanup);

const MODEL = {
  provider: 'openai',
  base_url: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 600,
  context_tokens: 128000,
  embedding_model: 'text-embedding-3-small',
  vision: false,
  has_api_key: true,
};
const withModel = bot({ model: MODEL });
const without = bot({ model: null });
const base = `/api/v1/bots/${withModel.id}`;

const card = async () => within(await screen.findByRole('region', { name: 'Model' }));
const input = (c: ReturnType<typeof within>, label: string) => c.getByLabelText(label, { selector: 'input, select' }) as HTMLInputElement;

describe('model card', () => {
  it('explains answers without a model, and fills a provider’s preset', async () => {
    renderApp(`/bots/${without.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, without),
    });
    const c = await card();
    expect(c.getByText('No model')).toBeTruthy();
    expect(c.getByText(/answers by quoting your documents/)).toBeTruthy();
    expect(c.queryByRole('button', { name: 'Use extractive answers (no model)' })).toBeNull();
    expect(input(c, 'Base URL').value).toBe('https://api.openai.com/v1');

    fireEvent.change(c.getByLabelText('Provider'), { target: { value: 'ollama' } });
    expect(input(c, 'Base URL').value).toBe('http://localhost:11434/v1');
    expect(input(c, 'Model name').value).toBe('llama3.1');
    expect(input(c, 'Embedding model').value).toBe('nomic-embed-text');
    expect(input(c, 'Context window').value).toBe('8192');
    expect(c.getByText(/PARLEY_WEBHOOK_ALLOW_HOSTS/)).toBeTruthy();
  });

  it('never shows the key: "a key is set", with a way to replace it', async () => {
    const { calls } = renderApp(`/bots/${withModel.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, withModel),
      [`PUT ${base}/model`]: (r) => json(200, { ...withModel, model: { ...MODEL, ...(r.body as object), api_key: undefined } }),
    });
    const c = await card();
    expect(c.getByText('A key is set')).toBeTruthy();
    expect(c.queryByLabelText('API key', { selector: 'input' })).toBeNull();
    expect(c.getByRole('group', { name: 'API key' })).toBeTruthy();
    expect(c.getByText(/Answers are written by/).textContent).toContain('gpt-4o-mini');

    fireEvent.click(c.getByRole('button', { name: 'Replace key' }));
    const key = input(c, 'API key');
    await waitFor(() => expect(document.activeElement).toBe(key));
    fireEvent.click(c.getByRole('button', { name: 'Save model' }));
    expect(await c.findByText('Type the new key, or keep the current one')).toBeTruthy();
    expect(calls.some((x) => x.method === 'PUT')).toBe(false);

    fireEvent.change(key, { target: { value: 'sk-new-key' } });
    fireEvent.click(c.getByRole('button', { name: 'Save model' }));
    expect(await screen.findByText('Model saved')).toBeTruthy();
    const put = calls.find((x) => x.method === 'PUT')!;
    expect(put.headers.get(CSRF_HEADER)).toBe(ME.csrf_token);
    expect(put.body).toMatchObject({ provider: 'openai', base_url: 'https://api.openai.com/v1', api_key: 'sk-new-key', vision: false });
    // Saved: back to "a key is set", the typed key gone from the page.
    await waitFor(() => expect(c.getByText('A key is set')).toBeTruthy());
    expect(document.body.innerHTML).not.toContain('sk-new-key');
  });

  it('asks for the key again, inline, when the base URL changes', async () => {
    const { calls } = renderApp(`/bots/${withModel.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, withModel),
      [`PUT ${base}/model`]: (r) => json(200, { ...withModel, model: { ...MODEL, ...(r.body as object) } }),
    });
    const c = await card();
    fireEvent.change(input(c, 'Base URL'), { target: { value: 'https://proxy.example.com/v1' } });
    expect(c.getByText(/the saved key will not be sent there: enter the key again/)).toBeTruthy();
    fireEvent.click(c.getByRole('button', { name: 'Save model' }));
    expect(await c.findByText('Enter the API key for OpenAI again')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(input(c, 'API key')));
    fireEvent.change(input(c, 'API key'), { target: { value: 'sk-proxy' } });
    fireEvent.click(c.getByRole('button', { name: 'Save model' }));
    await screen.findByText('Model saved');
    expect(calls.find((x) => x.method === 'PUT')?.body).toMatchObject({ base_url: 'https://proxy.example.com/v1', api_key: 'sk-proxy' });
  });

  it('puts the server’s 422 fields next to their fields', async () => {
    renderApp(`/bots/${withModel.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, withModel),
      [`PUT ${base}/model`]: () =>
        errorBody(422, 'validation_failed', 'Some values are not valid', {
          'model.base_url': 'localhost is a loopback address: an operator can allow it with PARLEY_WEBHOOK_ALLOW_HOSTS',
        }),
    });
    const c = await card();
    fireEvent.change(c.getByLabelText('Provider'), { target: { value: 'ollama' } });
    fireEvent.click(c.getByRole('button', { name: 'Save model' }));
    const url = input(c, 'Base URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    expect(c.getByText(/loopback address: an operator can allow it/)).toBeTruthy();
    expect(c.getByRole('alert').textContent).toBe('Some fields need attention.');
  });

  it('tests the settings and shows the provider’s error in plain words, with latency', async () => {
    let answer: object = { ok: false, reply: null, error: 'The provider refused the API key (401)', latency_ms: 212 };
    const { calls } = renderApp(`/bots/${withModel.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, withModel),
      [`POST ${base}/model/test`]: () => json(200, answer),
    });
    const c = await card();
    fireEvent.change(input(c, 'Temperature'), { target: { value: '0.9' } });
    fireEvent.click(c.getByRole('button', { name: 'Test' }));
    const result = await c.findByRole('region', { name: 'Test result' });
    expect(result.textContent).toContain('The provider refused the API key (401)');
    expect(result.textContent).toContain('212 ms');
    // The stored key is used: api_key left out, unsaved temperature sent.
    const body = calls.find((x) => x.path.endsWith('/model/test'))!.body as Record<string, unknown>;
    expect('api_key' in body).toBe(false);
    expect(body.temperature).toBe(0.9);

    answer = { ok: true, reply: 'Hello there, happy to help!', error: null, latency_ms: 1534 };
    fireEvent.click(c.getByRole('button', { name: 'Test' }));
    await waitFor(() => expect(c.getByRole('region', { name: 'Test result' }).textContent).toContain('Hello there, happy to help!'));
    expect(c.getByRole('region', { name: 'Test result' }).textContent).toContain('1,534 ms');
  });

  it('goes back to extractive answers after asking', async () => {
    const { calls } = renderApp(`/bots/${withModel.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, withModel),
      [`DELETE ${base}/model`]: () => json(200, without),
    });
    const c = await card();
    fireEvent.click(c.getByRole('button', { name: 'Use extractive answers (no model)' }));
    const dialog = screen.getByRole('dialog', { name: 'Answer without a model?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Use extractive answers' }));
    await waitFor(() => expect(c.getByText('No model')).toBeTruthy());
    expect(calls.some((x) => x.method === 'DELETE' && x.path === `${base}/model`)).toBe(true);
    expect(c.getByRole('button', { name: 'Use this model' })).toBeTruthy();
  });

  it('is read-only for agents', async () => {
    renderApp(`/bots/${withModel.id}`, {
      'GET /api/v1/auth/me': () => json(200, { ...ME, role: 'agent' }),
      [`GET ${base}`]: () => json(200, { ...withModel, identity_secret: null }),
    });
    const c = await card();
    expect((input(c, 'Base URL') as HTMLInputElement).closest('fieldset')?.disabled).toBe(true);
    expect(c.queryByRole('button', { name: 'Save model' })).toBeNull();
    expect(c.queryByRole('button', { name: 'Test' })).toBeNull();
    expect(c.queryByRole('button', { name: 'Replace key' })).toBeNull();
  });
});

// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, bot, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';
import { forgetTryHistory } from './TryPanel';

afterEach(() => {
  cleanup();
  forgetTryHistory();
});


const sample = bot({ model: null });
const base = `/api/v1/bots/${sample.id}`;

const SHIPPING = {
  answer: 'Standard shipping takes 3 to 5 business days [1].',
  outcome: 'passages',
  relevance: 0.42,
  relevance_bar: 0.3,
  passages: [
    { document_id: 'd1', title: 'Shipping', heading: 'Delivery times', text: 'Standard shipping takes 3 to 5 business days.', score: 7.25, sent: true },
    { document_id: 'd2', title: 'Returns', heading: null, text: 'Returns are free within 60 days.', score: 1.5, sent: false },
  ],
  budget: null,
  model: 'extractive',
  latency_ms: 38,
};

const MODEL_ANSWER = {
  ...SHIPPING,
  answer: 'It usually takes 3 to 5 business days.',
  outcome: 'model',
  model: 'gpt-4o-mini',
  budget: { context_tokens: 8192, answer_tokens: 512, prompt_tokens: 2048, passage_tokens: 1024, passages_sent: 1 },
};

const panel = async () => within(await screen.findByRole('region', { name: 'Try the bot' }));

describe('try the bot', () => {
  it('answers with the outcome, relevance against the bar and the passages, keeping earlier questions', async () => {
    const answers = [SHIPPING, MODEL_ANSWER];
    const { calls } = renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`POST ${base}/try`]: () => json(200, answers.shift()),
    });
    const p = await panel();
    expect(p.getByText(/No questions yet/)).toBeTruthy();

    const question = p.getByLabelText('Question');
    fireEvent.change(question, { target: { value: '  How long does shipping take?  ' } });
    fireEvent.keyDown(question, { key: 'Enter' });
    const first = await p.findByRole('article', { name: 'Answer' });
    expect(calls.find((c) => c.path === `${base}/try`)?.body).toEqual({ question: 'How long does shipping take?' });
    expect((question as HTMLTextAreaElement).value).toBe('');
    expect(within(first).getByText('Passages')).toBeTruthy();
    expect(within(first).getByText(SHIPPING.answer)).toBeTruthy();
    const meter = within(first).getByRole('meter', { name: 'Relevance' });
    expect(meter.getAttribute('aria-valuetext')).toBe('relevance 0.42, bar 0.30');
    expect(within(first).getByText('clears the bar')).toBeTruthy();
    expect(within(first).getByText('Shipping › Delivery times')).toBeTruthy();
    expect(within(first).getByText('Returns')).toBeTruthy();
    expect(within(first).getByText('7.25')).toBeTruthy();
    // Without a model: whether each passage cleared the bar, and no budget.
    expect(within(first).getByText('Usable')).toBeTruthy();
    expect(within(first).getByText('Below the bar')).toBeTruthy();
    expect(within(first).getByText('2 passages found, 1 usable')).toBeTruthy();
    expect(within(first).queryByText('Sent to the model')).toBeNull();
    expect(within(first).queryByRole('group', { name: 'Prompt budget' })).toBeNull();

    fireEvent.change(question, { target: { value: 'And with express?' } });
    fireEvent.click(p.getByRole('button', { name: 'Ask' }));
    await waitFor(() => expect(p.getAllByRole('article', { name: 'Answer' })).toHaveLength(2));
    const second = p.getAllByRole('article', { name: 'Answer' })[1]!;
    expect(within(second).getByText('Model')).toBeTruthy();
    expect(within(second).getByText('Sent to the model')).toBeTruthy();
    expect(within(second).getByText('Not sent')).toBeTruthy();
    expect(within(second).getByRole('group', { name: 'Prompt budget' }).textContent).toContain('Prompt 2,048 of 8,192 tokens');
    const log = p.getByRole('list', { name: 'Questions and answers' });
    expect(within(log).getByText('How long does shipping take?')).toBeTruthy();
    expect(within(log).getByText('And with express?')).toBeTruthy();
  });

  it('keeps the questions across a visit to another page', async () => {
    renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`GET ${base}/faqs`]: () => json(200, { items: [] }),
      [`POST ${base}/try`]: () => json(200, SHIPPING),
    });
    const p = await panel();
    fireEvent.change(p.getByLabelText('Question'), { target: { value: 'Shipping?' } });
    fireEvent.click(p.getByRole('button', { name: 'Ask' }));
    await p.findByRole('article', { name: 'Answer' });

    fireEvent.click(screen.getByRole('link', { name: 'FAQ' }));
    await screen.findByText('No FAQs yet');
    fireEvent.click(screen.getByRole('link', { name: 'Settings' }));
    const again = await panel();
    expect(again.getByText('Shipping?')).toBeTruthy();
    expect(again.getByRole('article', { name: 'Answer' })).toBeTruthy();
  });

  it('says why a question could not be tried, and asks again', async () => {
    let fail = true;
    renderApp(`/bots/${sample.id}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET ${base}`]: () => json(200, sample),
      [`POST ${base}/try`]: () => (fail ? errorBody(503, 'unavailable', 'The server is busy, try again shortly.') : json(200, SHIPPING)),
    });
    const p = await panel();
    fireEvent.change(p.getByLabelText('Question'), { target: { value: 'Shipping?' } });
    fireEvent.click(p.getByRole('button', { name: 'Ask' }));
    expect((await p.findByRole('alert')).textContent).toContain('Could not try the bot: The server is busy, try again shortly.');
    fail = false;
    fireEvent.click(p.getByRole('button', { name: 'Ask again' }));
    await p.findByRole('article', { name: 'Answer' });
    expect(p.queryByRole('alert')).toBeNull();
    expect(p.getAllByText('Shipping?')).toHaveLength(1);
  });
});

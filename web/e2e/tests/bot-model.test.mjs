// The bot page's Model card and "Try the bot" panel against a real `parley serve`: a base URL
// on a host the operator did not allow is refused at its field; Test reports an unreachable
// provider and one that refuses the key (a local server speaking OpenAI's error contract);
// the key is write-only and asked for again when the URL changes; going back to extractive
// answers; then the demo bot answers demo questions in the try panel, FAQ and passages,
// with its relevance meter and passages, and keeps both questions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { startRefusingProvider } from '../lib/provider.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freePort } from '../lib/server.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const KEY = 'sk-e2e-wrong-key-4242';

let ctx;
let page;
let provider;
/** A port nothing listens on, which the operator allowed: the provider is unreachable. */
let closedPort;
/** A port the operator did not allow: loopback, so the server refuses it. */
let deniedPort;

before(async () => {
  provider = await startRefusingProvider();
  closedPort = await freePort();
  deniedPort = await freePort();
  ctx = await openDashboard({ env: { PARLEY_WEBHOOK_ALLOW_HOSTS: `${provider.host},127.0.0.1:${closedPort}` } });
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
  await provider?.close();
});

const card = () => page.getByRole('region', { name: 'Model', exact: true });
const field = (label) => card().getByLabel(label, { exact: true });
const testResult = () => card().getByRole('region', { name: 'Test result' });

/** The field's error text (the description that is an error), '' when none. */
function fieldError(locator) {
  return locator.evaluate((el) =>
    (el.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .map((id) => document.getElementById(id))
      .filter((n) => n && n.classList.contains('field-error'))
      .map((n) => n.textContent.trim())
      .join(' '),
  );
}

test('bot page: model settings, test call, try the bot', { timeout: 240_000 }, async (t) => {
  const step = stepper(t);
  let botId;

  await step('log in and open the demo bot: no model, answers quote the documents', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    await page.getByRole('table', { name: 'Bots' }).getByRole('link', { name: DEMO_BOT }).click();
    await page.getByRole('heading', { name: DEMO_BOT, level: 1 }).waitFor();
    const { items } = await ctx.apiGet('/api/v1/bots');
    botId = items.find((b) => b.name === DEMO_BOT)?.id;
    assert.ok(botId, 'the demo bot exists');
    await card().getByText('No model', { exact: true }).waitFor();
    await card().getByText(/answers by quoting your documents/).waitFor();
  });

  await step('a base URL on a host the operator did not allow is refused at its field', async () => {
    await field('Provider').selectOption('custom');
    await field('Base URL').fill(`http://127.0.0.1:${deniedPort}/v1`);
    await field('Model name').fill('gpt-test');
    await card().getByRole('button', { name: 'Use this model' }).click();
    await eventually(() => field('Base URL').getAttribute('aria-invalid'), (v) => v === 'true');
    assert.equal(await field('Base URL').getAttribute('aria-invalid'), 'true');
    assert.notEqual(await fieldError(field('Base URL')), '', 'the server says why next to the field');
    const bot = await ctx.apiGet(`/api/v1/bots/${botId}`);
    assert.equal(bot.model, null, 'nothing was saved');
  });

  await step('Test says when the provider cannot be reached', async () => {
    await field('Base URL').fill(`http://127.0.0.1:${closedPort}/v1`);
    await card().getByRole('button', { name: 'Test', exact: true }).click();
    // Either the provider's error with latency (200, ok: false), or why the test could not run.
    await testResult().getByText(/did not answer|could not run/).waitFor();
    assert.doesNotMatch((await testResult().textContent()) ?? '', /The model answered/);
    assert.equal(provider.requests.length, 0);
  });

  await step('Test shows the provider refusing the key, in plain words, with latency', async () => {
    await field('Base URL').fill(provider.baseUrl);
    await field('API key').fill(KEY);
    await card().getByRole('button', { name: 'Test', exact: true }).click();
    await testResult().getByText(/401/).waitFor();
    const text = (await testResult().textContent()) ?? '';
    assert.match(text, /The provider did not answer/);
    assert.match(text, /\d ms/);
    assert.ok(
      provider.requests.some((r) => r.authorization === `Bearer ${KEY}`),
      `one real call with the typed key: ${JSON.stringify(provider.requests.map((r) => [r.method, r.url, r.authorization]))}`,
    );
    await ctx.shot('bot-model-test.png');
  });

  await step('saving keeps the key write-only: "a key is set", never the key', async () => {
    await card().getByRole('button', { name: 'Use this model' }).click();
    await page.getByRole('status').getByText('Model saved').waitFor();
    await card().getByText('A key is set').waitFor();
    await card().getByText(/Answers are written by/).waitFor();
    assert.ok(!(await page.content()).includes(KEY), 'the key is gone from the page');
    const bot = await ctx.apiGet(`/api/v1/bots/${botId}`);
    assert.equal(bot.model?.provider, 'custom');
    assert.equal(bot.model?.base_url, provider.baseUrl);
    assert.equal(bot.model?.model, 'gpt-test');
    assert.equal(bot.model?.has_api_key, true);
    assert.ok(!JSON.stringify(bot).includes(KEY), 'the API never shows the key');
  });

  await step('after a reload, a new base URL asks for the key again, inline', async () => {
    await page.reload();
    await card().getByText('A key is set').waitFor();
    await field('Base URL').fill(`http://${provider.host}/openai/v1`);
    await card().getByText(/the saved key will not be sent there: enter the key again/).waitFor();
    await field('API key').waitFor();
    await field('Base URL').fill(provider.baseUrl);
    await card().getByText('A key is set').waitFor();
  });

  await step('Test with the stored key sends it to the saved URL', async () => {
    const before = provider.requests.length;
    await card().getByRole('button', { name: 'Test', exact: true }).click();
    await testResult().getByText(/401/).waitFor();
    const sent = provider.requests.slice(before);
    assert.ok(sent.length >= 1, 'the provider was called');
    assert.ok(sent.every((r) => r.authorization === `Bearer ${KEY}`), 'with the stored key');
  });

  await step('"Use extractive answers" goes back to no model', async () => {
    await card().getByRole('button', { name: 'Use extractive answers (no model)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Answer without a model?' });
    await dialog.getByRole('button', { name: 'Use extractive answers' }).click();
    await dialog.waitFor({ state: 'detached' });
    await card().getByText('No model', { exact: true }).waitFor();
    const bot = await ctx.apiGet(`/api/v1/bots/${botId}`);
    assert.equal(bot.model, null);
  });

  await step('the demo documents are indexed', async () => {
    const ready = await eventually(
      async () => (await ctx.apiGet(`/api/v1/bots/${botId}/documents`)).items,
      (items) => items.length >= 5 && items.every((d) => d.status === 'ready'),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    assert.ok(ready.every((d) => d.status === 'ready'), `documents: ${ready.map((d) => `${d.name}=${d.status}`).join(', ')}`);
  });

  const panel = () => page.getByRole('region', { name: 'Try the bot' });
  const answers = () => panel().getByRole('article', { name: 'Answer' });
  // Exact: once answered, the list "Questions and answers" also has "Question" in its name.
  const questionBox = () => panel().getByRole('textbox', { name: 'Question', exact: true });

  await step('the try panel answers an FAQ word for word', async () => {
    await questionBox().fill('How long does shipping take?');
    await panel().getByRole('button', { name: 'Ask' }).click();
    await answers().first().waitFor();
    const first = answers().first();
    await first.getByText('FAQ', { exact: true }).waitFor();
    await first.getByText(/3 to 5 business days/).first().waitFor();
    assert.equal(await questionBox().inputValue(), '', 'the box is emptied for the next question');
  });

  await step('a question the documents answer shows passages and relevance against the bar', async () => {
    await questionBox().fill('Do hiking boots run true to size?');
    await questionBox().press('Enter');
    await eventually(() => answers().count(), (n) => n === 2);
    const second = answers().nth(1);
    await second.getByRole('meter', { name: 'Relevance' }).waitFor();
    const meter = await second.getByRole('meter', { name: 'Relevance' }).getAttribute('aria-valuetext');
    assert.match(meter ?? '', /^relevance \d\.\d\d, bar \d\.\d\d$/);
    const badge = (await second.locator('.try-answer-head .badge').textContent())?.trim();
    assert.ok(['Passages', 'FAQ', 'Fallback'].includes(badge), `an outcome badge: ${badge}`);
    // The demo's own wording: the footwear passage clears the bar, so it is quoted.
    assert.equal(badge, 'Passages', `quoted from the documents: ${meter}`);
    await second.getByText('clears the bar', { exact: true }).waitFor();
    const passages = second.getByRole('list', { name: 'Passages' });
    const footwear = passages.getByRole('listitem').filter({ hasText: /Footwear/ }).first();
    await footwear.waitFor();
    await footwear.locator('summary').click();
    await footwear.getByText(/true to size/).waitFor();
    // Both questions stay in the panel.
    const log = panel().getByRole('list', { name: 'Questions and answers' });
    await log.getByText('How long does shipping take?').waitFor();
    await log.getByText('Do hiking boots run true to size?').waitFor();
    await ctx.shot('bot-try.png');
  });

  await step('the page threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

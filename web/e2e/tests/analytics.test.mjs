// Analytics against a real `parley serve`: visitors chat through the widget API, the
// dispatcher rolls their events up, and the Analytics page shows them. A bot filter changes
// the numbers, a live widget message moves the messages card without a reload, a card
// drills down to the inbox listing the conversations behind it, and the export downloads a
// CSV whose rows add up to the cards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const LINES = [
  'Hi, what does the Trail 2 tent cost?',
  'This is terrible, my order never arrived and I am furious',
  'I want a refund for the broken stove',
];

let ctx;
const widget = (...args) => ctx.widget(...args);
let page;

before(async () => {
  ctx = await openDashboard();
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
});


const card = (key) => page.locator(`a.kpi-card[data-kpi="${key}"]`);
const cardValue = async (key) => (await card(key).locator('.kpi-value').textContent()).trim();
const summary = (q = '') => ctx.apiGet(`/api/v1/analytics/summary${q}`);
const kpi = (s, key) => s.kpis.find((k) => k.key === key).value;

test('analytics page', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let bot;
  let other;
  let csrf;
  const chats = [];

  await step('log in; three visitors chat and the rollup counts them', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    csrf = (await ctx.apiGet('/api/v1/auth/me')).csrf_token;
    const { items } = await ctx.apiGet('/api/v1/bots');
    bot = items.find((b) => b.name === DEMO_BOT);
    assert.ok(bot, 'the demo bot');
    const created = await page.request.post('/api/v1/bots', { headers: { 'X-CSRF-Token': csrf }, data: { name: 'Quiet bot' } });
    assert.equal(created.status(), 201, await created.text());
    other = await created.json();
    for (const text of LINES) {
      const started = await widget('POST', '/widget/v1/conversations', { bot: bot.public_key, body: {} });
      chats.push({ id: started.conversation.id, session: started.session_token });
      await widget('POST', `/widget/v1/conversations/${started.conversation.id}/messages`, {
        bot: bot.public_key,
        session: started.session_token,
        body: { text },
      });
    }
    await eventually(
      () => summary(),
      (s) => kpi(s, 'conversations') === 3 && kpi(s, 'messages') === 3,
    );
  });

  await step('the page renders the cards, chart and distribution from the rollup', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Analytics', exact: true }).click();
    await page.waitForURL('**/app/analytics');
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    await eventually(() => cardValue('conversations'), (v) => v === '3');
    assert.equal(await cardValue('messages'), '3');
    await page.getByRole('img', { name: /Conversations and visitor messages/ }).waitFor();
    const bars = page.getByRole('list', { name: 'Sentiment distribution' });
    await bars.waitFor();
    assert.match(await bars.textContent(), /negative/);
    await page.getByText('Live', { exact: true }).waitFor();
    await ctx.shot('analytics.png');
  });

  await step('a bot filter changes the numbers (and goes into the address)', async () => {
    await page.getByLabel('Bot', { exact: true }).selectOption(other.id);
    await page.waitForURL((url) => url.pathname === '/app/analytics' && url.search === `?bot=${other.id}`);
    await eventually(() => cardValue('conversations'), (v) => v === '0');
    await page.getByText(/No conversations in this period yet/).waitFor();
    await page.getByLabel('Bot', { exact: true }).selectOption('');
    await eventually(() => cardValue('conversations'), (v) => v === '3');
  });

  await step('a live widget message moves the messages card without a reload', async () => {
    const marker = await page.evaluate(() => (window.__analyticsMarker = Math.random()));
    await widget('POST', `/widget/v1/conversations/${chats[0].id}/messages`, {
      bot: bot.public_key,
      session: chats[0].session,
      body: { text: 'Thanks, that helps a lot!' },
    });
    await eventually(() => cardValue('messages'), (v) => v === '4', { timeoutMs: 15_000 });
    assert.equal(await page.evaluate(() => window.__analyticsMarker), marker, 'the page was not reloaded');
  });

  await step('the export downloads a CSV whose rows add up to the cards', async () => {
    const href = await page.locator('a[data-export="daily"]').getAttribute('href');
    const res = await page.request.get(href);
    assert.equal(res.status(), 200, `GET ${href} -> ${res.status()}`);
    assert.match(res.headers()['content-type'] ?? '', /text\/csv/);
    assert.match(res.headers()['content-disposition'] ?? '', /attachment/);
    const [header, ...rows] = (await res.text()).trim().split(/\r?\n/);
    const cols = header.split(',');
    assert.deepEqual(cols.slice(0, 3), ['day', 'conversations', 'messages']);
    const sum = (col) => rows.reduce((a, r) => a + Number(r.split(',')[cols.indexOf(col)]), 0);
    assert.equal(sum('conversations'), 3);
    assert.equal(sum('messages'), 4);
  });

  await step('a question the bot cannot answer appears under knowledge gaps, live', async () => {
    const marker = await page.evaluate(() => (window.__gapsMarker = Math.random()));
    await widget('POST', `/widget/v1/conversations/${chats[1].id}/messages`, {
      bot: bot.public_key,
      session: chats[1].session,
      body: { text: 'Do you deliver by penguin to Antarctica?' },
    });
    const gaps = page.getByRole('list', { name: 'Knowledge gaps' });
    await eventually(
      async () => ((await gaps.count()) ? gaps.textContent() : ''),
      (text) => text.includes('Do you deliver by penguin to Antarctica?'),
      { timeoutMs: 15_000 },
    );
    assert.equal(await page.evaluate(() => window.__gapsMarker), marker, 'the page was not reloaded');
    assert.ok(Number(await cardValue('unanswered')) >= 1);
    await page.locator('[data-panel="gaps"]').scrollIntoViewIfNeeded();
    await ctx.shot('analytics-gaps.png');
  });

  await step('the conversations card drills down to the inbox listing them', async () => {
    await card('conversations').click();
    await page.waitForURL((url) => url.pathname === '/app/inbox' && url.searchParams.get('status') === 'all' && url.searchParams.has('from'));
    // The same three conversations the card counted: the page's rows are our chats.
    const rows = page.getByRole('region', { name: 'Conversations' }).locator('ul.conversation-list > li a');
    await eventually(() => rows.count(), (n) => n === 3);
    const hrefs = await rows.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const chat of chats) assert.ok(hrefs.some((h) => h.includes(chat.id)), `${chat.id} listed: ${hrefs}`);
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

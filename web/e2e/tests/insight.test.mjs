// Insight on every message against a real `parley serve`: an angry visitor and a
// bulk-order lead chat through the widget API; the inbox shows sentiment badges,
// intent chips, the sentiment trend and the lead panel with its breakdown; then a
// custom intent is added on the bot's Intents tab and tried out.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const ANGRY = [
  'Where is my order? It was supposed to arrive last week.',
  'This is the third time I ask. Terrible, useless service, I am furious!',
];
const LEAD = [
  "Hi, I'm Jo from Acme Corp. Do you sell tents in bulk?",
  "We need 500 units by next month, budget $20k, I'm at acme-corp.com",
];

let server;
let page;
let pageErrors;
let cspViolations;
let shot;
let apiGet;
let close;

/** A conversation's row in the inbox list (both visitors are anonymous, so by link target). */
const row = (id) => page.getByRole('region', { name: 'Conversations' }).locator(`a[href$="/inbox/${id}"]`);

/** The widget API, as a visitor's browser would call it (no cookies). */
async function widget(method, p, { bot, session, body } = {}) {
  const res = await fetch(`${server.baseUrl}${p}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      'X-Parley-Bot': bot,
      ...(session ? { 'X-Parley-Session': session } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${p} -> ${res.status}: ${text}`);
  return JSON.parse(text);
}

/** Starts a conversation as a visitor and sends `texts` one by one; returns its id. */
async function chat(publicKey, texts) {
  const started = await widget('POST', '/widget/v1/conversations', { bot: publicKey, body: {} });
  const id = started.conversation.id;
  for (const text of texts) {
    await widget('POST', `/widget/v1/conversations/${id}/messages`, { bot: publicKey, session: started.session_token, body: { text } });
  }
  return id;
}

before(async () => {
  ({ server, page, pageErrors, cspViolations, shot, apiGet, close } = await openDashboard());
});

after(async () => {
  await close?.();
});

test('insight: sentiment, intents, trend and lead in the inbox; custom intents', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let bot;
  let angryId;
  let leadId;

  await step('log in and chat as two visitors', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    const { items } = await apiGet('/api/v1/bots');
    bot = items.find((b) => b.name === DEMO_BOT);
    assert.ok(bot?.public_key, 'the demo bot has a public key');
    angryId = await chat(bot.public_key, ANGRY);
    leadId = await chat(bot.public_key, LEAD);
  });

  await step('the list shows the sentiment as a word and the lead priority', async () => {
    const { conversation, insight } = await apiGet(`/api/v1/conversations/${leadId}`);
    assert.ok(insight.lead.score > 0, `the lead scored: ${JSON.stringify(insight.lead)}`);
    assert.notEqual(conversation.lead_priority, 'cold', `a bulk order from a company is not cold: ${insight.lead.score}`);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.waitForURL('**/app/inbox');
    const leadRow = row(leadId);
    const angryRow = row(angryId);
    await leadRow.getByText(conversation.lead_priority === 'hot' ? 'Hot lead' : 'Warm lead').waitFor();
    // The sentiment is a word, with the score on hover.
    const negative = angryRow.locator('.sentiment-badge').filter({ hasText: 'Negative' });
    await negative.waitFor();
    assert.match((await negative.getAttribute('title')) ?? '', /^Sentiment: negative \(-0\.\d\d\)$/);
    assert.equal(await angryRow.getByText(/ lead$/).count(), 0, 'a complaint is a cold lead: no badge');
  });

  await step('the lead conversation shows intents, the trend and the lead panel with its breakdown', async () => {
    const { insight } = await apiGet(`/api/v1/conversations/${leadId}`);
    await row(leadId).click();
    await page.waitForURL(`**/app/inbox/${leadId}`);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    const bulk = transcript.getByRole('listitem').filter({ hasText: LEAD[1] }).first();
    await bulk.getByRole('list', { name: 'Intents' }).getByText('bulk order').waitFor();
    const chipTitle = await bulk.getByRole('list', { name: 'Intents' }).getByText('bulk order').getAttribute('title');
    assert.match(chipTitle ?? '', /^bulk order: \d+% confident/);
    await bulk.getByText(/^Sentiment: (positive|neutral|negative) \([+-]?\d\.\d\d\)$/).waitFor();

    const trend = page.getByRole('img', { name: /^Sentiment trend over 2 visitor messages: first / });
    await trend.waitFor();

    const lead = page.getByRole('region', { name: 'Lead' });
    assert.equal(await lead.getByRole('meter', { name: 'Lead score' }).getAttribute('aria-valuenow'), String(insight.lead.score));
    const table = lead.getByRole('table', { name: 'Lead score breakdown' });
    assert.equal(await table.locator('tbody tr').count(), insight.lead.breakdown.length);
    const total = await table.locator('tfoot td').first().textContent();
    assert.equal(Number(total), insight.lead.score, 'the breakdown adds up to the score');
    await table.getByText('Intent: bulk order').waitFor();
    const details = lead.getByLabel('Lead details');
    await details.getByText('500 units').waitFor();
    await details.getByText('$20,000').waitFor();
    await details.getByText('Acme Corp').waitFor();
    await lead.scrollIntoViewIfNeeded();
    await shot('insight-lead.png');
  });

  await step('the angry conversation shows negative badges and a falling mood', async () => {
    await row(angryId).click();
    await page.waitForURL(`**/app/inbox/${angryId}`);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    const furious = transcript.getByRole('listitem').filter({ hasText: ANGRY[1] }).first();
    await furious.getByText(/^Sentiment: negative \(-0\.\d\d\)$/).waitFor();
    await furious.getByRole('list', { name: 'Intents' }).getByText('complaint').waitFor();
    const label = await page.getByRole('img', { name: /^Sentiment trend over 2 visitor messages/ }).getAttribute('aria-label');
    assert.match(label ?? '', /last -0\.\d\d, .*worsening\.$/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('insight-sentiment.png');
  });

  await step('a custom intent is added on the Intents tab; the server’s refusal shows next to the form', async () => {
    await page.goto(`/app/bots/${bot.id}`);
    await page.getByRole('navigation', { name: 'Bot sections' }).getByRole('link', { name: 'Intents' }).click();
    await page.waitForURL(`**/app/bots/${bot.id}/intents`);
    await page.getByText('All changes saved').waitFor();

    await page.getByRole('button', { name: 'Add intent' }).click();
    const fresh = page.getByRole('group', { name: 'New intent' });
    await fresh.getByLabel('Name').fill('rent_kayak');
    const intent = page.getByRole('group', { name: 'rent_kayak' });
    // A phrase of punctuation only passes the form's checks; the server refuses it.
    await intent.getByLabel('Phrases').fill('rent a kayak\n!!!');
    await intent.getByLabel('Patterns').fill('# kayaks\nrent * kayaks');
    await intent.getByLabel('Lead points').fill('15');
    await page.getByText('You have unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save intents' }).click();
    await page.getByRole('alert').filter({ hasText: /has no words/ }).waitFor();
    await shot('intents-error.png');

    await intent.getByLabel('Phrases').fill('rent a kayak\nkayak rental');
    await page.getByRole('button', { name: 'Save intents' }).click();
    await page.getByText('Intents saved').waitFor();
    await page.getByText('All changes saved').waitFor();
    const saved = await apiGet(`/api/v1/bots/${bot.id}/intents`);
    assert.deepEqual(saved.intents, [
      { name: 'rent_kayak', phrases: ['rent a kayak', 'kayak rental'], patterns: ['# kayaks', 'rent * kayaks'], lead_points: 15 },
    ]);
  });

  await step('trying a message shows what the bot detects', async () => {
    await page.getByLabel('Message to analyze').fill('Hi! Can we rent 12 kayaks for Saturday? My email is sam@river-club.org');
    await page.getByRole('button', { name: 'Analyze' }).click();
    const result = page.getByRole('region', { name: 'Analysis' });
    await result.getByRole('list', { name: 'Intents' }).getByText('rent kayak').waitFor();
    await result.getByText(/^Sentiment: /).waitFor();
    await result.getByLabel('Lead details').getByText('sam@river-club.org').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('intents.png');
  });

  await step('the page threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });
});

// The inbox against a real `parley serve`: a visitor chats through the widget
// API, the conversation shows up in the inbox, an agent takes over and replies,
// a new visitor message arrives live, and the agent hands back to the bot.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const VISITOR_EMAIL = 'hiker@example.com';
const QUESTION = 'How long does shipping take?';
const FOLLOW_UP = 'Can I change the address on order 1042?';
const REPLY = 'Hi, this is Ada from Trailhead. Yes, I can change that for you.';

let server;
let page;
let pageErrors;
let cspViolations;
let shot;
let apiGet;
let close;

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

before(async () => {
  ({ server, page, pageErrors, cspViolations, shot, apiGet, close } = await openDashboard());
});

after(async () => {
  await close?.();
});

test('inbox: a widget chat, take over, reply, live message, hand back', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let publicKey;
  let conversationId;
  let session;

  await step('log in', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    const res = await page.request.get('/api/v1/bots');
    const { items } = await res.json();
    publicKey = items.find((b) => b.name === DEMO_BOT)?.public_key;
    assert.ok(publicKey, 'the demo bot has a public key');
  });

  await step('a visitor asks a question through the widget API and the bot answers', async () => {
    const started = await widget('POST', '/widget/v1/conversations', { bot: publicKey, body: { email: VISITOR_EMAIL } });
    conversationId = started.conversation.id;
    session = started.session_token;
    const sent = await widget('POST', `/widget/v1/conversations/${conversationId}/messages`, {
      bot: publicKey,
      session,
      body: { text: QUESTION },
    });
    assert.ok(sent.reply?.text, `the bot answered: ${JSON.stringify(sent)}`);
  });

  await step('the inbox lists the conversation and shows its transcript with citations', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.waitForURL('**/app/inbox');
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    // The event stream connects (the server has GET /api/v1/stream).
    await page.getByText('Live', { exact: true }).waitFor();
    const list = page.getByRole('region', { name: 'Conversations' });
    const row = list.getByRole('link').filter({ hasText: /hiker@example\.com|Anonymous visitor/ }).first();
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /2 messages · Trailhead Assistant/);
    await row.click();
    await page.waitForURL(`**/app/inbox/${conversationId}`);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByText(QUESTION).first().waitFor();
    const sources = transcript.getByRole('list', { name: 'Sources' });
    await sources.first().waitFor();
    assert.ok((await sources.first().getByRole('link').count()) >= 1, 'the bot answer cites its source');
  });

  await step('the agent takes over and replies; the visitor gets the reply', async () => {
    await page.getByRole('button', { name: 'Take over' }).click();
    const reply = page.getByLabel('Reply to visitor');
    await reply.waitFor();
    await page.getByRole('button', { name: 'Hand back to bot' }).waitFor();
    await reply.fill(REPLY);
    await page.getByRole('button', { name: 'Send' }).click();
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByText(REPLY).waitFor();
    assert.equal(await reply.inputValue(), '');

    const seen = await widget('GET', `/widget/v1/conversations/${conversationId}`, { bot: publicKey, session });
    const texts = (seen.messages ?? []).map((m) => m.text);
    assert.ok(texts.includes(REPLY), `the visitor sees the agent reply: ${JSON.stringify(texts)}`);
  });

  await step('a new visitor message appears live, and the bot stays quiet while the agent handles it', async () => {
    const sent = await widget('POST', `/widget/v1/conversations/${conversationId}/messages`, {
      bot: publicKey,
      session,
      body: { text: FOLLOW_UP },
    });
    assert.equal(sent.reply, null, 'no bot answer while taken over');
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByText(FOLLOW_UP).waitFor({ timeout: 10_000 });
    // Visitor, bot, "joined" notice, agent reply, visitor again: the list counts
    // what the server counts, live.
    const res = await page.request.get(`/api/v1/conversations/${conversationId}`);
    const { conversation } = await res.json();
    assert.ok(conversation.message_count >= 4, `message_count ${conversation.message_count}`);
    const list = page.getByRole('region', { name: 'Conversations' });
    await list.getByRole('link').first().getByText(`${conversation.message_count} messages`, { exact: false }).waitFor();
    // The list row shows the handoff while the agent has it.
    await list.getByRole('link').first().getByText('Human', { exact: true }).waitFor();
    // Times from the stream are shown like the REST API's, not as raw numbers.
    assert.doesNotMatch((await transcript.textContent()) ?? '', /\d{12,}/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('inbox.png');
  });

  await step('tags and notes are saved', async () => {
    await page.getByLabel('Add tag').fill('address-change');
    await page.getByLabel('Add tag').press('Enter');
    await page.getByRole('button', { name: 'Remove tag address-change' }).waitFor();
    await page.getByLabel('New note').fill('Customer moved; updated the address in the shop.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByText('Customer moved; updated the address in the shop.').waitFor();
    const res = await page.request.get(`/api/v1/conversations/${conversationId}`);
    const detail = await res.json();
    assert.deepEqual(detail.conversation.tags, ['address-change']);
    assert.equal(detail.notes.length, 1);
  });

  await step('handing back lets the bot answer again', async () => {
    await page.getByRole('button', { name: 'Hand back to bot' }).click();
    await page.getByRole('button', { name: 'Take over' }).waitFor();
    assert.equal(await page.getByLabel('Reply to visitor').count(), 0);
    const res = await page.request.get(`/api/v1/conversations/${conversationId}`);
    assert.equal((await res.json()).conversation.human_handoff, false);
    const sent = await widget('POST', `/widget/v1/conversations/${conversationId}/messages`, {
      bot: publicKey,
      session,
      body: { text: 'Is shipping free?' },
    });
    assert.ok(sent.reply?.text, 'the bot answers again');
    await page.getByRole('list', { name: 'Transcript' }).getByText(sent.reply.text).first().waitFor({ timeout: 10_000 });
  });

  await step('resolving moves it out of the open list', async () => {
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    const list = page.getByRole('region', { name: 'Conversations' });
    await list.getByText('No conversations').waitFor();
  });

  await step('the page threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });
});

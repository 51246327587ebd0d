// The inbox as a team works it, against a real `parley serve`: a visitor asks for a person
// and the agent gets a toast that opens the conversation in the Waiting view; the agent
// assigns it to themself and finds it under "Assigned to me"; answers with a canned reply
// typed as "/shortcut"; sees the visitor's photo as a thumbnail that opens large; resolves,
// and sees the visitor's rating arrive.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { solidPng, userHash } from '../lib/widget.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const EMAIL = 'sam.lee@example.com';
const ASK_FOR_PERSON = 'Can I talk to a human, please? My order 1042 arrived damaged.';
const SHORTCUT = 'damaged';
const CANNED = 'Hi {{visitor.name}}, this is {{agent.name}}. Sorry about that, I will send a replacement to {{visitor.email}} today.';
const IMAGE = 'damaged-box.png';
const COMMENT = 'Sorted out in minutes, thank you.';

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


const views = () => page.getByRole('navigation', { name: 'Views' });
const list = () => page.getByRole('region', { name: 'Conversations' });
const transcript = () => page.getByRole('list', { name: 'Transcript' });

test('inbox for a team: handoff alert, Waiting, assign, canned reply, image, rating', { timeout: 240_000 }, async (t) => {
  const step = stepper(t);
  let bot;
  let me;
  let csrf;
  let session;
  let conversationId;

  await step('log in, add a canned reply, open the inbox; presence says online', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    me = await ctx.apiGet('/api/v1/auth/me');
    csrf = me.csrf_token;
    const { items } = await ctx.apiGet('/api/v1/bots');
    bot = items.find((b) => b.name === DEMO_BOT);
    assert.ok(bot?.public_key && bot.identity_secret, 'the demo bot');
    const created = await page.request.post('/api/v1/canned-replies', {
      headers: { 'X-CSRF-Token': csrf },
      data: { shortcut: SHORTCUT, body: CANNED },
    });
    assert.equal(created.status(), 201, await created.text());

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox', exact: true }).click();
    await page.waitForURL('**/app/inbox');
    await page.getByText('Live', { exact: true }).waitFor();
    // The shell reported presence on load.
    const agents = await eventually(
      () => ctx.apiGet('/api/v1/agents'),
      (a) => a.find((x) => x.id === me.user.id)?.presence === 'online',
    );
    assert.equal(agents.find((x) => x.id === me.user.id)?.presence, 'online');
    // Notifications are offered with a button (never asked for on load), or said to be
    // blocked when the browser blocks them.
    const permission = await page.evaluate(() => (typeof Notification === 'undefined' ? 'unsupported' : Notification.permission));
    if (permission === 'default') await page.getByRole('button', { name: 'Enable notifications' }).waitFor();
    if (permission === 'denied') await page.getByText('Notifications blocked').waitFor();
  });

  await step('a visitor asks for a person: a toast opens the conversation in the Waiting view', async () => {
    const started = await widget('POST', '/widget/v1/conversations', {
      bot: bot.public_key,
      body: { email: EMAIL, user_hash: userHash(bot.identity_secret, EMAIL) },
    });
    conversationId = started.conversation.id;
    session = started.session_token;
    await widget('POST', `/widget/v1/conversations/${conversationId}/messages`, {
      bot: bot.public_key,
      session,
      body: { text: ASK_FOR_PERSON },
    });
    const detail = await ctx.apiGet(`/api/v1/conversations/${conversationId}`);
    assert.ok(detail.conversation.waiting_since, `the request for a person was recognised: ${JSON.stringify(detail.conversation)}`);

    const toast = page.locator('.toast').filter({ hasText: 'wants to talk to a person' });
    await toast.waitFor();
    assert.match((await toast.textContent()) ?? '', new RegExp(EMAIL.replace(/\./g, '\\.')), 'the toast names the visitor');
    // The counts are fetched again once a burst of live events has settled (a moment after
    // the row and the toast): the screenshot waits for them, so it shows the settled page.
    await views().getByRole('link', { name: /^Waiting for a human\s*:\s*[1-9]/ }).waitFor();
    await ctx.shot('inbox-team-handoff-toast.png');
    await toast.getByRole('button', { name: 'Open conversation' }).click();
    await page.waitForURL(`**/app/inbox/${conversationId}?view=waiting`);
    assert.equal(await views().getByRole('link', { name: /Waiting for a human/ }).getAttribute('aria-current'), 'page');
    const row = list().getByRole('link').filter({ hasText: EMAIL });
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', /waiting (under 1|\d+) min/);
    assert.doesNotMatch((await row.textContent()) ?? '', /Anonymous visitor/);
    await eventually(
      async () => (await views().getByRole('link', { name: /Waiting for a human/ }).textContent()) ?? '',
      (text) => /[1-9]/.test(text),
    );
    await page.getByRole('heading', { name: EMAIL, level: 2 }).waitFor();
  });

  await step('assign it to myself: it is under "Assigned to me"', async () => {
    await page.getByRole('button', { name: 'Assign (assigned to nobody)' }).click();
    const options = page.getByRole('listbox', { name: 'Assign to' });
    await options.waitFor();
    const mine = options.getByRole('option', { name: /\(you\)/ });
    assert.match((await mine.textContent()) ?? '', /online/, 'my presence is shown');
    await mine.click();
    await page.getByRole('button', { name: 'Assign (assigned to you)' }).waitFor();
    const assigned = await ctx.apiGet(`/api/v1/conversations/${conversationId}`);
    assert.equal(assigned.conversation.assignee?.id, me.user.id);

    await views().getByRole('link', { name: /Assigned to me/ }).click();
    await page.waitForURL(`**/app/inbox/${conversationId}?view=mine`);
    await list().getByRole('link').filter({ hasText: EMAIL }).waitFor();
    await eventually(
      async () => (await views().getByRole('link', { name: /Assigned to me/ }).textContent()) ?? '',
      (text) => /1/.test(text),
    );
  });

  await step('a canned reply typed as "/shortcut", placeholders filled, is sent', async () => {
    if ((await page.getByRole('button', { name: 'Take over' }).count()) > 0) {
      await page.getByRole('button', { name: 'Take over' }).click();
    }
    const reply = page.getByLabel('Reply to visitor');
    await reply.waitFor();
    await reply.fill('/');
    const canned = page.getByRole('listbox', { name: 'Canned replies' });
    await canned.waitFor();
    await reply.press('d');
    await reply.press('a');
    await canned.getByRole('option', { name: new RegExp(`/${SHORTCUT}`) }).waitFor();
    await reply.press('Enter');
    const { conversation } = await ctx.apiGet(`/api/v1/conversations/${conversationId}`);
    const expected = CANNED.replace('{{visitor.name}}', conversation.visitor_name?.trim() || 'there')
      .replace('{{agent.name}}', me.user.name?.trim() ?? '')
      .replace('{{visitor.email}}', EMAIL);
    assert.equal(await reply.inputValue(), expected);
    assert.equal(await canned.count(), 0, 'the list closed');
    await ctx.shot('inbox-team-canned.png');
    await reply.press('Enter');
    await transcript().getByText(expected).waitFor();
    assert.equal(await reply.inputValue(), '');
    const seen = await widget('GET', `/widget/v1/conversations/${conversationId}`, { bot: bot.public_key, session });
    assert.ok((seen.messages ?? []).some((m) => m.text === expected), 'the visitor got it');
  });

  await step('the visitor sends a photo: a thumbnail in the transcript that opens large', async () => {
    const form = new FormData();
    form.append('image', new Blob([solidPng(24)], { type: 'image/png' }), IMAGE);
    form.append('caption', 'This is how it arrived');
    await widget('POST', `/widget/v1/conversations/${conversationId}/images`, { bot: bot.public_key, session, form });
    const thumb = transcript().getByRole('img', { name: IMAGE });
    await thumb.waitFor();
    assert.equal(await eventually(() => thumb.evaluate((el) => el.complete && el.naturalWidth), (w) => w === 24), 24, 'the image loads');
    await transcript().getByRole('button', { name: `Enlarge image ${IMAGE}` }).click();
    const dialog = page.getByRole('dialog', { name: IMAGE });
    await dialog.waitFor();
    const large = dialog.getByRole('img', { name: IMAGE });
    assert.equal(await eventually(() => large.evaluate((el) => el.complete && el.naturalWidth), (w) => w === 24), 24);
    await ctx.shot('inbox-team-image.png');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  await step('resolve: the visitor is asked to rate, and their rating shows in the pane', async () => {
    await page.getByRole('button', { name: 'Resolve' }).click();
    await page.getByText('Conversation resolved. The visitor was asked to rate it.').waitFor();
    const rating = page.getByRole('region', { name: 'Visitor rating' });
    await rating.getByText('No rating yet', { exact: false }).waitFor();
    await transcript().getByText('The visitor was asked to rate this conversation.', { exact: false }).waitFor();

    await widget('POST', `/widget/v1/conversations/${conversationId}/rating`, {
      bot: bot.public_key,
      session,
      body: { score: 5, comment: COMMENT },
    });
    await rating.getByText('Rated 5 out of 5').waitFor();
    await rating.getByText(`“${COMMENT}”`).waitFor();
    await ctx.shot('inbox-team-rating.png');
  });

  await step('the agent’s messages carry their name; no page errors or CSP violations', async () => {
    if (me.user.name?.trim()) {
      await transcript().locator('.message-agent .message-role').filter({ hasText: me.user.name.trim() }).first().waitFor();
    }
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

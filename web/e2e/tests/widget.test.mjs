// The embeddable widget against a real `parley serve`, on the demo shop page `/` (served
// with its strict CSP): a streamed, cited answer; FAQ; image drop; offline queue; reload and
// new tab; live agent reply with HTML in it; history and resume; keyboard-only use; host CSS
// that must not leak in; identity checks; screenshots on desktop and phone; timings. Then, as
// new visitors: History before and after the first message (never a 403), rating a resolved
// conversation, and one source chip per cited document.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { dropFile, solidPng, userHash } from '../lib/widget.mjs';

const QUESTION = 'What does overnight shipping cost?';
const OFFLINE_QUESTION = 'Do you ship to Canada?';
const SECOND_QUESTION = 'Do you offer bulk discounts?';
const CAPTION = 'Is this strap covered by the warranty?';
const XSS = 'Hi, Ada here. <img src=x onerror="window.__pwned=1"> **Thanks** [docs](javascript:window.__pwned=2)';
const VERIFIED = 'verified.hiker@example.com';

let ctx;
let page;
let publicKey;
let identitySecret;
let conversationId;
let csrf;
const numbers = {};

before(async () => {
  ctx = await openDashboard();
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
});

const widget = () => page.locator('parley-widget');
const dialog = () => widget().getByRole('dialog', { name: 'Trailhead Outfitters' });
const log = () => widget().getByRole('log', { name: 'Conversation' });
const input = () => widget().getByRole('textbox', { name: 'Message' });
const launcher = () => widget().getByRole('button', { name: /^Open chat/ });

/** The focused element inside the widget, described for assertions. */
function focused() {
  return widget().evaluate((host) => {
    const el = host.shadowRoot.activeElement;
    if (!el) return null;
    return {
      tag: el.tagName.toLowerCase(),
      role: el.getAttribute('role'),
      label: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 60),
      historyItem: el.matches('.history .item') ? el.getAttribute('aria-current') || 'other' : null,
      outline: getComputedStyle(el).outlineStyle,
    };
  });
}

/**
 * Presses `key` (Tab or Shift+Tab) until `reached(focused())` holds, and returns what is
 * focused then. Every stop on the way must be inside the widget and show a focus ring. The
 * number of stops depends on the conversation (each cited document, image and link in the
 * transcript is one), so the bound is the widget's own count of tab stops, four for a date
 * input (month, day, year and its calendar button are stops of their own).
 */
async function tabTo(key, reached) {
  const stops = await widget().evaluate((host) =>
    [...host.shadowRoot.querySelectorAll('a[href], button, input, textarea, select, [tabindex]')]
      .filter((el) => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0)
      .reduce((n, el) => n + (el.type === 'date' ? 4 : 1), 0),
  );
  let f = await focused();
  for (let i = 0; i <= stops && !reached(f); i++) {
    await page.keyboard.press(key);
    f = await focused();
    assert.ok(f, `${key} keeps focus in the widget`);
    assert.notEqual(f.outline, 'none', `focus is visible on <${f.tag}> "${f.label}"`);
  }
  return f;
}

/** Boxes and computed styles of the widget's main parts, to compare with host CSS on and off. */
async function widgetLook() {
  // Settled: no hover transition, no opening animation in flight.
  await page.mouse.move(5, 5);
  await widget().evaluate((host) => Promise.all(host.shadowRoot.getAnimations().map((a) => a.finished)));
  return widget().evaluate((host) => {
    const root = host.shadowRoot;
    const props = ['font-family', 'font-size', 'line-height', 'color', 'background-color', 'padding-top', 'border-top-width', 'text-transform', 'letter-spacing', 'width', 'height'];
    const out = {};
    for (const sel of ['.launcher', '.panel', '.head h2', '[role=tab][aria-selected=true]', 'textarea', '.m.greeting .body', '.composer .send']) {
      const el = root.querySelector(sel);
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      out[sel] = { box: [r.x, r.y, r.width, r.height].map(Math.round), ...Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)])) };
    }
    return out;
  });
}

/** An admin API write, as the logged-in dashboard makes it (session cookie + CSRF header). */
async function adminPost(p, data) {
  const res = await page.request.post(p, { data, headers: { 'X-CSRF-Token': csrf } });
  assert.ok(res.ok(), `POST ${p} -> ${res.status()}: ${await res.text()}`);
  return res.json();
}

async function adminPatch(p, data) {
  const res = await page.request.patch(p, { data, headers: { 'X-CSRF-Token': csrf } });
  assert.ok(res.ok(), `PATCH ${p} -> ${res.status()}: ${await res.text()}`);
  return res.json();
}

/** Logs the test's page in to the admin API (once per test; the cookie stays). */
async function logIn() {
  const res = await page.request.post('/api/v1/auth/login', { data: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  assert.equal(res.status(), 200, await res.text());
  csrf = (await res.json()).csrf_token;
  const { items } = await ctx.apiGet('/api/v1/bots');
  return items.find((b) => b.name === 'Trailhead Assistant');
}

/** A screenshot of a visitor's page, beside the harness's. */
async function visitorShot(p, name) {
  const dir = fileURLToPath(new URL('../screenshots/', import.meta.url));
  await fs.promises.mkdir(dir, { recursive: true });
  await p.screenshot({ path: path.join(dir, name), animations: 'disabled' });
}

/**
 * A new visitor: a fresh browser context (no storage) on the demo page with the widget open,
 * recording what a 403 would show: failed widget API answers, console errors, page errors.
 */
async function newVisitor() {
  const c = await page.context().browser().newContext({ viewport: { width: 1280, height: 800 }, baseURL: ctx.server.baseUrl });
  c.setDefaultTimeout(15_000);
  const p = await c.newPage();
  const seen = { failed: [], consoleErrors: [], pageErrors: [], historyRequests: [] };
  p.on('response', (r) => r.url().includes('/widget/v1/') && r.status() >= 400 && seen.failed.push(`${r.status()} ${r.request().method()} ${r.url()}`));
  p.on('console', (m) => m.type() === 'error' && seen.consoleErrors.push(m.text()));
  p.on('pageerror', (e) => seen.pageErrors.push(e.message));
  p.on('request', (r) => r.method() === 'GET' && /\/widget\/v1\/conversations(\?|$)/.test(r.url()) && seen.historyRequests.push(r.url()));
  await p.goto('/');
  const w = p.locator('parley-widget');
  await w.getByRole('button', { name: /^Open chat/ }).click();
  await w.getByRole('dialog').waitFor();
  const conversationId = () => p.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:session`) ?? '{}').conversationId, publicKey);
  /** Sends `text` from the Chat tab and waits for the bot's stored answer to it. */
  const ask = async (text) => {
    await w.getByRole('tab', { name: 'Chat' }).click();
    const before = await w.locator('.m.bot[data-id]').count();
    await w.getByRole('textbox', { name: 'Message' }).fill(text);
    await w.getByRole('textbox', { name: 'Message' }).press('Enter');
    await w.locator('.m.visitor[data-id]').filter({ hasText: text }).waitFor();
    await eventually(() => w.locator('.m.bot[data-id]').count(), (n) => n > before);
    return w.locator('.m.bot[data-id]').last();
  };
  return { c, p, w, seen, conversationId, ask };
}

/** Visitor messages with `text` in the conversation, as the inbox API sees it. */
async function visitorCopies(text) {
  const detail = await ctx.apiGet(`/api/v1/conversations/${conversationId}`);
  return (detail.messages ?? []).filter((m) => m.role === 'visitor' && m.text === text).length;
}

test('widget: demo page, chat, FAQ, images, offline, history, keyboard, isolation', { timeout: 300_000 }, async (t) => {
  const step = stepper(t);

  await step('log in to the admin API and find the demo bot', async () => {
    const bot = await logIn();
    publicKey = bot.public_key;
    identitySecret = bot.identity_secret;
    assert.ok(publicKey && identitySecret);
  });

  await step('the demo page shows the launcher under its CSP; time to launcher', async () => {
    const res = await page.request.get('/widget.js');
    assert.equal(res.status(), 200, 'GET /widget.js serves the built widget');
    numbers.gzipBytes = Number(res.headers()['content-length'] ?? (await res.body()).length);
    await page.goto('/');
    await page.getByRole('heading', { name: 'Ridgeline 45 Backpack' }).waitFor();
    await launcher().waitFor();
    const timing = await page.evaluate(() => {
      const script = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget.js'));
      const shown = performance.getEntriesByName('parley:launcher-visible')[0];
      return { scriptStart: script.startTime, scriptEnd: script.responseEnd, shown: shown.startTime };
    });
    numbers.launcherFromScriptMs = Math.round(timing.shown - timing.scriptStart);
    numbers.launcherFromNavigationMs = Math.round(timing.shown);
    const color = await launcher().evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(color, 'rgb(47, 107, 58)', "the launcher wears the bot's colour");
    await ctx.shot('widget-closed-desktop.png');
  });

  await step('host CSS on div, button and * does not change the widget', async () => {
    await launcher().click();
    await dialog().waitFor();
    const clean = await widgetLook();
    const style = await page.addStyleTag({
      content: `
        html { font-size: 30px !important; }
        * { font-family: "Courier New", monospace !important; color: #f0f !important; line-height: 3 !important;
            letter-spacing: 3px !important; text-transform: uppercase !important; box-sizing: content-box !important; }
        div { background: yellow !important; padding: 12px !important; border: 3px dashed red !important; }
        button { background: black !important; color: white !important; font-size: 30px !important;
                 width: 200px !important; height: 80px !important; padding: 10px !important; }`,
    });
    const styled = await widgetLook();
    assert.deepEqual(styled, clean);
    await style.evaluate((el) => el.remove());
  });

  await step('ask a question: focus in the input, the answer streams in token by token, with its source', async () => {
    assert.equal((await focused())?.label, 'Message', 'opening focuses the message input');
    // Watch the transcript from inside the page: when was Enter pressed, when did the first
    // token show, how many times did the streaming text grow.
    await widget().evaluate((host) => {
      const root = host.shadowRoot;
      const w = (window.__stream = { sent: 0, first: 0, updates: 0 });
      root.querySelector('textarea').addEventListener('keydown', (e) => e.key === 'Enter' && !w.sent && (w.sent = performance.now()), true);
      // Records, not callbacks: tokens that arrive in one network read are rendered one by
      // one in the same task, before the observer's callback runs.
      new MutationObserver((records) => {
        for (const r of records) {
          const bubble = r.target.parentElement;
          if (!r.addedNodes.length || !r.target.classList?.contains('body') || !bubble?.matches('.m.bot:not(.greeting):not([data-id])')) continue;
          if (!w.first) w.first = performance.now();
          w.updates++;
        }
      }).observe(root.querySelector('.log'), { subtree: true, childList: true });
    });
    await input().fill(QUESTION);
    await input().press('Enter');
    const answer = log().locator('.m.bot[data-id]').last();
    await answer.getByText('$29.95', { exact: false }).waitFor();
    const sources = answer.getByRole('list', { name: 'Sources' });
    await sources.waitFor();
    assert.match(await sources.textContent(), /shipping\.md/);
    const stream = await page.evaluate(() => window.__stream);
    assert.ok(stream.first > stream.sent, 'a token was seen');
    assert.ok(stream.updates >= 3, `the answer grew token by token (${stream.updates} updates)`);
    numbers.firstTokenMs = Math.round(stream.first - stream.sent);
    assert.equal(await input().inputValue(), '');
    conversationId = await page.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:session`)).conversationId, publicKey);
    assert.ok(conversationId);
    assert.equal(await visitorCopies(QUESTION), 1);
  });

  await step('FAQ: search, choose a question, it lands in the chat input', async () => {
    await widget().getByRole('tab', { name: 'FAQ' }).click();
    await widget().getByRole('searchbox', { name: 'Search questions' }).fill('return');
    const items = widget().getByRole('tabpanel', { name: 'FAQ' }).getByRole('button');
    assert.equal(await items.count(), 1);
    await items.first().click();
    assert.equal(await widget().getByRole('tab', { name: 'Chat' }).getAttribute('aria-selected'), 'true');
    assert.equal(await input().inputValue(), 'What is your return policy?');
    assert.equal((await focused())?.label, 'Message');
    await input().fill('');
  });

  await step('an image: a wrong type is refused at once; a dropped PNG is previewed, uploaded and shown', async () => {
    await dropFile(page, { base64: Buffer.from('not an image').toString('base64'), name: 'notes.txt', type: 'text/plain' });
    await widget().getByRole('alert').getByText('Only JPEG, PNG, GIF or WebP').waitFor();
    await dropFile(page, { base64: solidPng().toString('base64'), name: 'strap.png', type: 'image/png' });
    await widget().locator('.preview img').waitFor();
    assert.equal(await widget().getByRole('alert').textContent(), '', 'the error clears');
    await input().fill(CAPTION);
    await input().press('Enter');
    const sent = log().locator('.m.visitor[data-id]').filter({ hasText: CAPTION });
    await sent.waitFor();
    const img = sent.getByRole('img', { name: 'Image: strap.png' });
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /\/widget\/v1\/images\//);
    await eventually(() => img.evaluate((el) => el.complete && el.naturalWidth), (w) => w === 24);
    assert.equal(await img.evaluate((el) => el.naturalWidth), 24, 'the signed image URL loads');
    // With the image's final height counted, the log shows the end of the conversation.
    const gap = () => log().evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight));
    assert.ok((await eventually(gap, (g) => g <= 1)) <= 1, 'the log scrolled to the sent image');
  });

  await step('offline: a message waits in the outbox and is sent once when the network is back', async () => {
    await ctx.page.context().setOffline(true);
    await widget().getByRole('status').getByText('You are offline').waitFor();
    await input().fill(OFFLINE_QUESTION);
    await input().press('Enter');
    await log().locator('.m.visitor.pending').getByText('Waiting for the network').waitFor();
    const queued = await page.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:outbox`)), publicKey);
    assert.equal(queued.length, 1);
    assert.equal(queued[0].text, OFFLINE_QUESTION);
    await ctx.shot('widget-offline-desktop.png');
    await ctx.page.context().setOffline(false);
    await log().locator('.m.visitor[data-id]').filter({ hasText: OFFLINE_QUESTION }).waitFor();
    await log().locator('.m.bot[data-id]').filter({ hasText: 'Canada' }).last().waitFor();
    assert.equal(await log().locator('.m.pending').count(), 0);
    assert.deepEqual(await page.evaluate((key) => JSON.parse(localStorage.getItem(`parley:${key}:outbox`)), publicKey), []);
    assert.equal(await visitorCopies(OFFLINE_QUESTION), 1, 'sent exactly once');
  });

  await step('reload and a new tab: the conversation is restored', async () => {
    await page.reload();
    await launcher().click();
    await log().getByText(QUESTION).waitFor();
    await log().getByText(OFFLINE_QUESTION).waitFor();
    await log().getByRole('img', { name: 'Image: strap.png' }).waitFor();
    const tab = await page.context().newPage();
    await tab.goto('/');
    await tab.locator('parley-widget').getByRole('button', { name: /^Open chat/ }).click();
    await tab.locator('parley-widget').getByRole('log').getByText(QUESTION).waitFor();
    await tab.close();
  });

  await step('an agent takes over; the reply arrives live and its HTML stays text', async () => {
    await adminPost(`/api/v1/conversations/${conversationId}/handoff`, { action: 'take' });
    await adminPost(`/api/v1/conversations/${conversationId}/messages`, { text: XSS });
    const agent = log().locator('.m.agent');
    await agent.waitFor();
    assert.match(await agent.textContent(), /<img src=x onerror="window.__pwned=1">/);
    assert.equal(await agent.locator('strong').textContent(), 'Thanks', 'Markdown still renders');
    const unsafe = await widget().evaluate((host) => ({
      imgs: host.shadowRoot.querySelectorAll('img[src="x"], img[onerror]').length,
      jsLinks: [...host.shadowRoot.querySelectorAll('a')].filter((a) => !/^(https?|mailto):/.test(a.href)).length,
    }));
    assert.deepEqual(unsafe, { imgs: 0, jsLinks: 0 });
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await adminPost(`/api/v1/conversations/${conversationId}/handoff`, { action: 'release' });
  });

  await step('history: start a new conversation, then search, filter by date and resume the first', async () => {
    await widget().getByRole('tab', { name: 'History' }).click();
    await widget().getByRole('button', { name: 'New conversation' }).click();
    assert.equal(await log().locator('[data-id]').count(), 0, 'a fresh transcript');
    await input().fill(SECOND_QUESTION);
    await input().press('Enter');
    await log().locator('.m.bot[data-id]').waitFor();
    await widget().getByRole('tab', { name: 'History' }).click();
    const panel = widget().getByRole('tabpanel', { name: 'History' });
    const items = panel.getByRole('list', { name: 'History' }).getByRole('button');
    await eventually(() => items.count(), (n) => n === 2);
    assert.equal(await items.count(), 2);
    assert.match(await items.first().textContent(), /Current/);
    await panel.getByRole('searchbox').fill('overnight');
    await eventually(() => items.count(), (n) => n === 1);
    assert.equal(await items.count(), 1);
    const tomorrow = new Date(Date.now() + 86_400_000);
    const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
    await panel.getByLabel('From').fill(day);
    await panel.getByText('No past conversations found.').waitFor();
    await panel.getByLabel('From').fill('');
    await eventually(() => items.count(), (n) => n === 1);
    await items.first().click();
    assert.equal(await widget().getByRole('tab', { name: 'Chat' }).getAttribute('aria-selected'), 'true');
    await log().getByText(QUESTION).waitFor();
    assert.equal(await log().getByText(SECOND_QUESTION).count(), 0);
    await widget().getByRole('tab', { name: 'History' }).click();
    await panel.getByRole('searchbox').fill('');
    await eventually(() => items.count(), (n) => n === 2);
    assert.equal(await items.count(), 2);
    await widget().getByRole('tab', { name: 'Chat' }).click();
  });

  await step('keyboard only: Escape, launcher, tabs with arrows, FAQ, history, focus always visible', async () => {
    await input().press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    assert.equal((await focused())?.label, 'Open chat', 'focus returns to the launcher');
    await page.keyboard.press('Enter');
    await dialog().waitFor();
    assert.equal((await focused())?.label, 'Message');
    // Back from the input through the transcript (its source chips, the image) to the tabs.
    let f = await tabTo('Shift+Tab', (el) => el?.role === 'tab');
    assert.equal(f?.role, 'tab');
    assert.equal(f.label, 'Chat', 'the selected tab is the tab stop');
    assert.notEqual(f.outline, 'none', 'the focused tab shows a focus ring');
    await page.keyboard.press('ArrowRight');
    f = await focused();
    assert.equal(f.label, 'FAQ');
    assert.equal(await widget().getByRole('tab', { name: 'FAQ' }).getAttribute('aria-selected'), 'true');
    await page.keyboard.press('Tab');
    assert.equal((await focused()).label, 'Search questions');
    await page.keyboard.type('bulk');
    await page.keyboard.press('Tab');
    assert.equal((await focused()).tag, 'button');
    await page.keyboard.press('Enter');
    assert.equal(await input().inputValue(), SECOND_QUESTION);
    assert.equal((await focused()).label, 'Message');
    await input().fill('');
    assert.equal((await tabTo('Shift+Tab', (el) => el?.role === 'tab'))?.role, 'tab');
    await page.keyboard.press('End');
    assert.equal((await focused()).label, 'History');
    await page.keyboard.press('Tab');
    assert.equal((await focused()).label, 'Search past conversations');
    const items = widget().getByRole('list', { name: 'History' }).getByRole('button');
    await eventually(() => items.count(), (n) => n === 2);
    assert.equal(await items.count(), 2);
    // The conversation that is not the open one.
    assert.equal((await tabTo('Tab', (el) => el?.historyItem === 'other'))?.historyItem, 'other');
    await page.keyboard.press('Enter');
    await log().locator('.m.visitor').getByText(SECOND_QUESTION).waitFor();
    assert.equal((await focused()).label, 'Message');
    await page.keyboard.press('Home');
    await page.keyboard.press('Escape');
    await dialog().waitFor({ state: 'hidden' });
    assert.equal((await focused())?.label, 'Open chat');
  });

  await step('screenshots of every tab on desktop (1280x800) and phone (360x740)', async () => {
    // Show the first conversation (image, agent reply) and the whole FAQ.
    await launcher().click();
    await widget().getByRole('tab', { name: 'History' }).click();
    await widget().locator('.history .item:not([aria-current])').click();
    await log().locator('.m.agent').waitFor();
    await widget().getByRole('tab', { name: 'FAQ' }).click();
    await widget().getByRole('searchbox', { name: 'Search questions' }).fill('');
    await widget().getByRole('button', { name: 'Close chat' }).click();
    for (const [size, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 360, height: 740 }]]) {
      await page.setViewportSize(viewport);
      await launcher().click();
      await dialog().waitFor();
      for (const tab of ['Chat', 'FAQ', 'History']) {
        await widget().getByRole('tab', { name: tab }).click();
        if (tab === 'History') await widget().getByRole('list', { name: 'History' }).getByRole('button').first().waitFor();
        await ctx.shot(`widget-${tab.toLowerCase()}-${size}.png`);
      }
      await widget().getByRole('tab', { name: 'Chat' }).click();
      const box = await dialog().boundingBox();
      if (size === 'phone') assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 360, 740], 'full screen on a phone');
      await widget().getByRole('button', { name: 'Close chat' }).click();
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('a different email without a valid hash sees no history, and not the last visitor’s chat', async () => {
    // No hash: no session yet, so History says so without asking the server.
    // A wrong hash: the server does not verify the email; History lists only this new
    // session's conversations (none with a message), and says nothing about email.
    for (const userHash of [undefined, '0'.repeat(64)]) {
      const asked = [];
      const failed = [];
      const onRequest = (r) => r.method() === 'GET' && /\/widget\/v1\/conversations(\?|$)/.test(r.url()) && asked.push(r.url());
      const onResponse = (r) => r.url().includes('/widget/v1/') && r.status() >= 400 && failed.push(`${r.status()} ${r.url()}`);
      page.on('request', onRequest);
      page.on('response', onResponse);
      await page.evaluate(([bot, userHash]) => window.Parley.init({ bot, userEmail: 'mallory@example.com', userHash }), [publicKey, userHash]);
      await launcher().click();
      assert.equal(await log().locator('[data-id]').count(), 0, 'the previous visitor’s conversation is not shown');
      await widget().getByRole('tab', { name: 'History' }).click();
      const panel = widget().getByRole('tabpanel', { name: 'History' });
      await panel.getByText('Your conversations will appear here').waitFor();
      if (userHash) await eventually(() => asked.length, (n) => n > 0);
      else assert.deepEqual(asked, [], 'no session, no request');
      assert.equal(await widget().getByRole('list', { name: 'History' }).getByRole('button').count(), 0);
      assert.doesNotMatch(await panel.textContent(), /verified|email/i);
      assert.deepEqual(failed, [], 'no widget API call failed');
      page.off('request', onRequest);
      page.off('response', onResponse);
      await widget().getByRole('button', { name: 'Close chat' }).click();
    }
  });

  await step('a verified email sees its conversations from another browser', async () => {
    const hash = userHash(identitySecret, VERIFIED);
    const open = async () => {
      const c = await page.context().browser().newContext({ viewport: { width: 1280, height: 800 }, baseURL: ctx.server.baseUrl });
      const p = await c.newPage();
      await p.goto('/');
      await p.locator('parley-widget').getByRole('button', { name: /^Open chat/ }).waitFor();
      await p.evaluate(([bot, email, userHash]) => window.Parley.init({ bot, userEmail: email, userHash }), [publicKey, VERIFIED, hash]);
      const w = p.locator('parley-widget');
      await w.getByRole('button', { name: /^Open chat/ }).click();
      return { c, p, w };
    };
    const first = await open();
    await first.w.getByRole('textbox', { name: 'Message' }).fill('How do I make a warranty claim?');
    await first.w.getByRole('textbox', { name: 'Message' }).press('Enter');
    await first.w.locator('.m.bot[data-id]').waitFor();
    await first.c.close();
    const second = await open();
    await second.w.getByRole('tab', { name: 'History' }).click();
    const item = second.w.getByRole('list', { name: 'History' }).getByRole('button').filter({ hasText: /warranty/i });
    await item.waitFor();
    await second.w.getByRole('tabpanel', { name: 'History' }).getByText('Conversations under your email').waitFor();
    await item.click();
    await second.w.getByRole('log').locator('.m.visitor').getByText('How do I make a warranty claim?').waitFor();
    await second.c.close();
  });

  await step('no page errors and no CSP violations', async () => {
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });

  console.log(
    `widget numbers: widget.js ${numbers.gzipBytes} bytes as served; launcher visible ${numbers.launcherFromScriptMs} ms after the script request ` +
      `(${numbers.launcherFromNavigationMs} ms after navigation); first streamed token ${numbers.firstTokenMs} ms after Enter (localhost, debug build)`,
  );
});

const GLACIER_DOC = 'glacier-lantern.md';
const GLACIER = `# Glacier Lantern

## Battery life on low

The Glacier Lantern battery lasts 40 hours on the low setting.

## Battery life on high

On the high setting the Glacier Lantern battery lasts 12 hours.
`;
const GLACIER_QUESTION = 'How long does the Glacier Lantern battery last?';

test('widget, new visitors: History without a 403, rating after resolve, one chip per document', { timeout: 240_000 }, async (t) => {
  const step = stepper(t);
  let bot;
  let visitor;

  await step('log in to the admin API and find the demo bot', async () => {
    bot = await logIn();
    publicKey = bot.public_key;
    assert.ok(publicKey);
  });

  await step('a new visitor opens History: no request, no 403, an empty state saying what comes', async () => {
    visitor = await newVisitor();
    const { w, seen } = visitor;
    await w.getByRole('tab', { name: 'History' }).click();
    const panel = w.getByRole('tabpanel', { name: 'History' });
    await panel.getByText('Your conversations will appear here').waitFor();
    assert.deepEqual(seen.historyRequests, [], 'no session yet: nothing to ask the server');
    assert.equal(await panel.getByRole('list', { name: 'History' }).getByRole('button').count(), 0);
    assert.doesNotMatch(await panel.textContent(), /verified|email/i);
  });

  await step('after chatting, History lists the visitor’s own conversation, still without a 403', async () => {
    const { w, seen, ask } = visitor;
    await ask(QUESTION);
    await w.getByRole('tab', { name: 'History' }).click();
    const panel = w.getByRole('tabpanel', { name: 'History' });
    const items = panel.getByRole('list', { name: 'History' }).getByRole('button');
    await items.first().waitFor();
    assert.equal(await items.count(), 1);
    assert.match(await items.first().textContent(), /Current/);
    assert.ok(seen.historyRequests.length > 0, 'now it asks, with the session token');
    assert.doesNotMatch(await panel.textContent(), /verified|under your email/i, 'an anonymous visitor hears nothing about email');
    assert.deepEqual(seen.failed, [], 'no widget API call failed');
    assert.deepEqual(seen.consoleErrors.filter((e) => /403|forbidden/i.test(e)), [], 'no 403 in the console');
  });

  await step('an agent resolves: the rating card appears live under the notice; 4 stars and a comment are sent', async () => {
    const { w, p, conversationId } = visitor;
    const id = await conversationId();
    assert.ok(id);
    await w.getByRole('tab', { name: 'Chat' }).click();
    await adminPatch(`/api/v1/conversations/${id}`, { status: 'resolved' });
    const stars = w.getByRole('radiogroup', { name: 'How did we do?' });
    await stars.waitFor();
    // The card sits right under the system notice that asked for it.
    assert.equal(await w.locator('.log .m.system + .rate').count(), 1);
    assert.equal(await w.getByRole('button', { name: 'Send rating' }).isDisabled(), true, 'nothing to send before a score');
    await stars.getByRole('radio', { name: '4 out of 5' }).click();
    assert.equal(await stars.getByRole('radio', { name: '4 out of 5' }).getAttribute('aria-checked'), 'true');
    await w.getByLabel('Anything to add? (optional)').fill('Quick and friendly.');
    await visitorShot(p, 'widget-rating-card-desktop.png');
    await w.getByRole('button', { name: 'Send rating' }).click();
    await w.getByText('Thanks for your feedback').waitFor();
    await w.getByText('You rated this conversation 4 out of 5.').waitFor();
    const detail = await ctx.apiGet(`/api/v1/conversations/${id}`);
    assert.deepEqual(detail.conversation.rating, { score: 4, comment: 'Quick and friendly.' });
    await visitorShot(p, 'widget-rating-thanks-desktop.png');
  });

  await step('after a reload the rated conversation shows the thanks, not the card', async () => {
    const { w, p } = visitor;
    await p.reload();
    await w.getByRole('button', { name: /^Open chat/ }).click();
    await w.getByText('Thanks for your feedback').waitFor();
    await w.getByText('You rated this conversation 4 out of 5.').waitFor();
    assert.equal(await w.getByRole('radiogroup', { name: 'How did we do?' }).count(), 0);
  });

  await step('rated by keyboard, or gone when the visitor writes again (that reopens it)', async () => {
    const { w, p, ask, conversationId } = visitor;
    await w.getByRole('tab', { name: 'History' }).click();
    await w.getByRole('button', { name: 'New conversation' }).click();
    await ask(SECOND_QUESTION);
    const id = await conversationId();
    await adminPatch(`/api/v1/conversations/${id}`, { status: 'resolved' });
    const stars = w.getByRole('radiogroup', { name: 'How did we do?' });
    await stars.waitFor();
    // Keyboard: the group is one tab stop; End picks 5, ArrowLeft moves to 4.
    await stars.getByRole('radio', { name: '1 out of 5' }).focus();
    await p.keyboard.press('End');
    await p.keyboard.press('ArrowLeft');
    assert.equal(await stars.getByRole('radio', { name: '4 out of 5' }).getAttribute('aria-checked'), 'true');
    assert.equal(await w.evaluate((host) => host.shadowRoot.activeElement?.getAttribute('aria-label')), '4 out of 5');
    // Instead of sending, the visitor writes again: the conversation reopens, the card goes.
    await ask('One more question: do you ship to Canada?');
    await eventually(() => stars.count(), (n) => n === 0);
    assert.equal(await stars.count(), 0);
    const detail = await ctx.apiGet(`/api/v1/conversations/${id}`);
    assert.equal(detail.conversation.status, 'open', 'writing reopened it');
    assert.equal(detail.conversation.rating, null);
  });

  await step('citations: two passages of one document are one chip, its passages open inline', async () => {
    const { w, ask } = visitor;
    const res = await page.request.post(`/api/v1/bots/${bot.id}/documents`, {
      headers: { 'X-CSRF-Token': csrf },
      multipart: { files: { name: GLACIER_DOC, mimeType: 'text/markdown', buffer: Buffer.from(GLACIER) } },
    });
    assert.equal(res.status(), 202, await res.text());
    const doc = (await res.json()).items[0].document;
    assert.ok(doc, 'the document was accepted');
    const status = await eventually(async () => (await ctx.apiGet(`/api/v1/bots/${bot.id}/documents/${doc.id}`)).status, (s) => s === 'ready' || s === 'failed', { timeoutMs: 30_000 });
    assert.equal(status, 'ready');

    const answer = await ask(GLACIER_QUESTION);
    const messageId = await answer.getAttribute('data-id');
    // The precondition, from the server's side: the answer cites the document twice.
    const detail = await ctx.apiGet(`/api/v1/conversations/${await visitor.conversationId()}`);
    const cited = detail.messages.find((m) => m.id === messageId)?.citations ?? [];
    const fromDoc = cited.filter((c) => c.document_id === doc.id);
    assert.ok(fromDoc.length >= 2, `the answer cites two passages of ${GLACIER_DOC}: ${JSON.stringify(cited)}`);

    const sources = answer.getByRole('list', { name: 'Sources' });
    await sources.waitFor();
    const chips = sources.getByRole('listitem');
    assert.equal(await chips.filter({ hasText: GLACIER_DOC }).count(), 1, 'one chip for the document');
    const titles = new Set(cited.map((c) => c.title));
    assert.equal(await chips.count(), titles.size, 'one chip per cited document');

    const chip = sources.getByRole('button', { name: GLACIER_DOC });
    assert.equal(await chip.getAttribute('aria-expanded'), 'false');
    await chip.click();
    assert.equal(await chip.getAttribute('aria-expanded'), 'true');
    const box = answer.locator(`#${await chip.getAttribute('aria-controls')}`);
    await box.waitFor();
    // Opened under the last answer, the box is scrolled into the log's view.
    const inView = await box.evaluate((el) => {
      const log = el.closest('.log').getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return r.top >= log.top - 1 && r.bottom <= log.bottom + 1;
    });
    assert.ok(inView, 'the opened quote box is visible in the conversation');
    const text = await box.textContent();
    assert.match(text, /Battery life on low/);
    assert.match(text, /Battery life on high/);
    if (fromDoc.every((c) => c.quote)) assert.match(text, /lasts 40 hours/);
    await visitorShot(visitor.p, 'widget-citation-quote-desktop.png');
    await chip.click();
    await box.waitFor({ state: 'hidden' });
  });

  await step('no page errors and no failed widget calls for the new visitor', async () => {
    assert.deepEqual(visitor.seen.pageErrors, []);
    assert.deepEqual(visitor.seen.failed, []);
    assert.deepEqual(visitor.seen.consoleErrors.filter((e) => /403|forbidden|Content Security Policy/i.test(e)), []);
    await visitor.c.close();
  });
});

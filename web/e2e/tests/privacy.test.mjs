// Privacy against a real `parley serve`: a visitor proven by the host page chats; the
// Privacy page says clearly when an email is unknown, downloads the visitor's export (a
// ZIP holding their conversation), erases them after a typed confirmation while showing
// progress, and afterwards the contact and the conversation are gone from the dashboard
// and their widget session is refused. Retention is set with its explanation.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { userHash } from '../lib/widget.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const EMAIL = 'grace.hopper@example.org';
const MARKER = 'PRIVACYMARKER7';

let ctx;
let page;

before(async () => {
  ctx = await openDashboard();
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
});

const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

test('privacy page', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let bot;
  let started;

  await step('log in; a visitor with a verified email chats', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    const { items } = await ctx.apiGet('/api/v1/bots');
    bot = items.find((b) => b.name === DEMO_BOT);
    assert.ok(bot?.identity_secret, 'the demo bot with its identity secret');
    started = await ctx.widget('POST', '/widget/v1/conversations', {
      bot: bot.public_key,
      body: { email: EMAIL, user_hash: userHash(bot.identity_secret, EMAIL) },
    });
    for (const text of [`Hello, ${MARKER}: my tent pole snapped`, 'Can I get a replacement for 40 tents for our camp? Budget approved.']) {
      await ctx.widget('POST', `/widget/v1/conversations/${started.conversation.id}/messages`, {
        bot: bot.public_key,
        session: started.session_token,
        body: { text },
      });
    }
    await eventually(
      () => ctx.apiGet('/api/v1/contacts?q=grace'),
      (list) => list.items.some((c) => c.email === EMAIL),
    );
  });

  await step('the page explains itself; an unknown email is said plainly', async () => {
    await nav('Privacy').click();
    await page.waitForURL('**/app/privacy');
    await page.getByRole('heading', { name: 'Privacy', level: 1 }).waitFor();
    await page.getByText('No erasures yet').waitFor();
    await page.getByText('Delete old conversations automatically.', { exact: false }).waitFor();
    await ctx.shot('privacy.png');

    await page.getByRole('button', { name: 'Export (ZIP)' }).click();
    await page.getByText('Enter the visitor’s email address').waitFor();
    await page.getByLabel("Visitor's email").fill('nobody@example.org');
    await page.getByRole('button', { name: 'Export (ZIP)' }).click();
    await page.getByText('No visitor with nobody@example.org in this workspace').waitFor();
    await ctx.shot('privacy-unknown.png');
  });

  await step('the export downloads a ZIP with their conversation', async () => {
    await page.getByLabel("Visitor's email").fill(EMAIL);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export (ZIP)' }).click()]);
    assert.match(download.suggestedFilename(), /^parley-export-[0-9a-f]+\.zip$/);
    const file = path.join(os.tmpdir(), `parley-e2e-${Date.now()}.zip`);
    await download.saveAs(file);
    const listing = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' });
    const name = `conversations/${started.conversation.id}.json`;
    assert.ok(listing.split('\n').includes(name), listing);
    const transcript = JSON.parse(execFileSync('unzip', ['-p', file, name], { encoding: 'utf8' }));
    assert.ok(transcript.messages.some((m) => m.body.includes(MARKER)), JSON.stringify(transcript.messages));
    assert.ok(execFileSync('unzip', ['-p', file, 'visitor.json'], { encoding: 'utf8' }).includes(EMAIL));
    fs.rmSync(file);
    await page.getByText(/Downloaded parley-export-[0-9a-f]+\.zip/).waitFor();
  });

  await step('erasing asks for the email typed again, then shows progress to done', async () => {
    await page.getByRole('button', { name: 'Erase…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Erase this visitor?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Erase everything' });
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel(`Type ${EMAIL} to confirm`).fill('grace@example.org');
    assert.equal(await confirm.isDisabled(), true);
    await dialog.getByLabel(`Type ${EMAIL} to confirm`).fill(EMAIL.toUpperCase());
    await ctx.shot('privacy-confirm.png');
    await confirm.click();
    await page.locator('.privacy-progress[data-status="done"]').waitFor({ timeout: 20_000 });
    await page.getByText('Done: 1 conversation erased').first().waitFor();
    await page.getByRole('table', { name: 'Erasure requests' }).getByText('done', { exact: true }).waitFor();
    await ctx.shot('privacy-erased.png');
  });

  await step('the contact and the conversation are gone, and the session is refused', async () => {
    await nav('Contacts').click();
    await page.waitForURL('**/app/contacts');
    await page.getByLabel('Search contacts').fill('grace');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No contacts match these filters').waitFor();
    assert.equal(await page.getByText(EMAIL).count(), 0);
    const res = await page.request.get(`/api/v1/conversations/${started.conversation.id}`);
    assert.equal(res.status(), 404);
    await page.goto(`/app/inbox/${started.conversation.id}`);
    await eventually(
      () => page.locator('main').textContent(),
      (text) => !text.includes(MARKER),
    );
    const refused = await fetch(`${ctx.server.baseUrl}/widget/v1/conversations/${started.conversation.id}`, {
      headers: { 'X-Parley-Bot': bot.public_key, 'X-Parley-Session': started.session_token },
    });
    assert.ok([401, 403].includes(refused.status), `the erased visitor's session: ${refused.status}`);
  });

  await step('retention is off by default, and can be set', async () => {
    await nav('Privacy').click();
    await page.waitForURL('**/app/privacy');
    const days = page.getByLabel('Days without a message');
    assert.equal(await days.isDisabled(), true);
    await page.getByLabel('Delete conversations after a period without messages').check();
    await days.fill('0');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByText('Between 1 and 3650 days').waitFor();
    await days.fill('90');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await page.getByText('Saved: conversations idle for 90 days are deleted daily.').waitFor();
    assert.equal((await ctx.apiGet('/api/v1/privacy/settings')).retention_days, 90);
    await ctx.shot('privacy-retention.png');
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

// The dashboard against a real `parley serve`: login, bots, embed snippet,
// editing, API tokens. Locators are accessible ones (role, label), so a
// missing label or role fails the test too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';

const GREETING = 'Hello from the browser test! How can we help?';

let server;
let page;
let pageErrors;
let cspViolations;
let shot;
let apiGet;
let close;

before(async () => {
  ({ server, page, pageErrors, cspViolations, shot, apiGet, close } = await openDashboard());
});

after(async () => {
  await close?.();
});

test('dashboard: login, bots, embed snippet, edit, API tokens', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  await step('an anonymous visit to /app/ lands on the login page', async () => {
    const res = await page.goto('/app/');
    assert.equal(res?.status(), 200, `GET /app/ -> ${res?.status()}: ${(await res?.text())?.slice(0, 300)}`);
    await page.waitForURL('**/app/login**');
    await page.getByRole('heading', { name: 'Sign in to your workspace' }).waitFor();
    await shot('login.png');
  });

  await step('a wrong password says so', async () => {
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill('definitely-not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.equal((await alert.textContent())?.trim(), 'Email or password is incorrect');
    assert.match(page.url(), /\/app\/login/);
  });

  await step('the right password opens Bots with the user in the top bar', async () => {
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    await page.getByRole('heading', { name: 'Bots', level: 1 }).waitFor();
    await page.getByRole('banner').getByText(ADMIN_EMAIL).waitFor();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
  });

  let botId;
  await step('"New bot" creates "Support Bot"', async () => {
    await page.getByRole('button', { name: 'New bot' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New bot' });
    await dialog.getByLabel('Name').fill('Support Bot');
    await dialog.getByRole('button', { name: 'Create bot' }).click();
    await dialog.waitFor({ state: 'detached' });
    const table = page.getByRole('table', { name: 'Bots' });
    await table.getByRole('link', { name: 'Support Bot' }).waitFor();

    const { items } = await apiGet('/api/v1/bots');
    const created = items.find((b) => b.name === 'Support Bot');
    assert.ok(created, 'the API lists the new bot');
    botId = created.id;
    await table.getByText(created.public_key).waitFor();
    await shot('bots.png');
  });

  await step('the bot page shows an embed snippet with the public key and /widget.js', async () => {
    await page.getByRole('table', { name: 'Bots' }).getByRole('link', { name: 'Support Bot' }).click();
    await page.waitForURL(`**/app/bots/${botId}`);
    await page.getByRole('heading', { name: 'Support Bot', level: 1 }).waitFor();

    const bot = await apiGet(`/api/v1/bots/${botId}`);
    const snippet = (await page.getByRole('region', { name: 'Embed snippet' }).locator('pre code').textContent()) ?? '';
    assert.equal(snippet, bot.embed_snippet, 'the page shows the snippet the API returns');
    assert.ok(snippet.includes('data-bot='), `snippet has data-bot=: ${snippet}`);
    assert.ok(snippet.includes(bot.public_key), `snippet has the public key ${bot.public_key}: ${snippet}`);
    assert.ok(snippet.includes('/widget.js'), `snippet loads /widget.js: ${snippet}`);

    const keys = page.getByRole('region', { name: 'Keys' });
    await keys.getByText(bot.public_key).waitFor();
    await page.getByLabel('Allowed origins').waitFor();
    await page.getByLabel('Primary colour', { exact: true }).waitFor();
    await page.getByLabel('Pick primary colour').waitFor();
    await page.getByLabel('System prompt').waitFor();
    await page.getByLabel('Memory turns').waitFor();
  });

  await step('changing the greeting saves and survives a reload', async () => {
    await page.getByLabel('Greeting').fill(GREETING);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').getByText('Changes saved').waitFor();
    await shot('bot-detail.png');

    await page.reload();
    await page.getByRole('heading', { name: 'Support Bot', level: 1 }).waitFor();
    const value = await eventually(() => page.getByLabel('Greeting').inputValue(), (v) => v === GREETING);
    assert.equal(value, GREETING);
    const bot = await apiGet(`/api/v1/bots/${botId}`);
    assert.equal(bot.appearance.greeting, GREETING);
  });

  let secret;
  await step('creating an API token shows its secret once', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API tokens' }).click();
    await page.waitForURL('**/app/tokens');
    await page.getByRole('heading', { name: 'API tokens', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API token' });
    await dialog.getByLabel('Name').fill('e2e token');
    await dialog.getByLabel('Role').selectOption('admin');
    await dialog.getByRole('button', { name: 'Create token' }).click();

    const shown = page.getByRole('dialog', { name: 'Copy your new token' });
    await shown.waitFor();
    secret = ((await shown.getByLabel('New API token').textContent()) ?? '').trim();
    assert.ok(secret.length >= 16, `a real-looking secret: "${secret}"`);
    await shown.getByText('will not be shown again', { exact: false }).waitFor();

    // The secret is a working bearer token for the API.
    const res = await fetch(`${server.baseUrl}/api/v1/bots`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 200, `GET /api/v1/bots with the new token -> ${res.status}`);

    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    const table = page.getByRole('table', { name: 'API tokens' });
    await table.getByText('e2e token').waitFor();
    assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page');
    const { items } = await apiGet('/api/v1/tokens');
    assert.ok(!JSON.stringify(items).includes(secret), 'the token list never contains the secret');
    await shot('tokens.png');
  });

  await step('revoking the token asks first, then marks it revoked', async () => {
    await page.getByRole('button', { name: 'Revoke e2e token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke "e2e token"?' });
    await dialog.getByRole('button', { name: 'Revoke token' }).click();
    await dialog.waitFor({ state: 'detached' });
    const row = page.getByRole('table', { name: 'API tokens' }).getByRole('row').filter({ hasText: 'e2e token' });
    await row.getByText('Revoked').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Revoke e2e token' }).count(), 0);

    const res = await fetch(`${server.baseUrl}/api/v1/bots`, { headers: { Authorization: `Bearer ${secret}` } });
    assert.equal(res.status, 401, `a revoked token is refused (got ${res.status})`);
  });

  await step('the page threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });
});

// The Integrations page against a real `parley serve` and the vendor-contract servers
// (`target/debug/vendor-contracts`, which speak Slack's, HubSpot's and Google's wire
// contracts): the OAuth app from the server's settings; a bot token Slack refuses shown at
// its field, a good one connecting; disconnecting; a cancelled consent shown on the Slack
// card; connecting through the contract server's Allow page; a test message with its
// receipt (and the message at the contract server, once); every grant revoked at Slack
// turning the card into "needs reconnect"; reconnecting; and a workflow that posts to Slack
// on negative sentiment, started by an angry widget message, its Slack receipt shown in the
// execution log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD, REPO_ROOT, RESULTS_DIR } from '../lib/server.mjs';

// What the contract server accepts (parley_integrations::testing).
const CLIENT_ID = 'slack-client-id';
const CLIENT_SECRET = 'slack-client-secret';
const GOOD_BOT_TOKEN = 'xoxb-contract-static';
const TEAM = { id: 'T0CONTRACT', name: 'Contract Team' };
const START_TIMEOUT_MS = 15_000;

/**
 * Starts the vendor-contract servers and resolves once they print where they listen:
 * { baseUrl, inspect(path), stop }. Their output goes to test-results/.
 */
async function startVendors() {
  const bin = process.env.VENDOR_CONTRACTS_BIN || path.join(REPO_ROOT, 'target', 'debug', 'vendor-contracts');
  if (!fs.existsSync(bin)) {
    throw new Error(`vendor-contracts not found at ${bin}: cargo build -p parley-integrations --bin vendor-contracts`);
  }
  await fs.promises.mkdir(RESULTS_DIR, { recursive: true });
  const logPath = path.join(RESULTS_DIR, `vendor-contracts-${process.pid}.log`);
  const log = fs.createWriteStream(logPath);
  const child = spawn(bin, [], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const baseUrl = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`vendor-contracts printed no address in ${START_TIMEOUT_MS} ms: ${seen}`)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      seen += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(seen);
      if (found) {
        clearTimeout(timer);
        resolve(found[1].replace(/\/+$/, ''));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`vendor-contracts exited (code ${code}, signal ${signal}) before listening; log ${logPath}`));
    });
  });
  return {
    baseUrl,
    /** The messages Slack's stand-in received ([{ channel, text, ts, ... }]). */
    async slackMessages() {
      const res = await fetch(`${baseUrl}/_contract/state`);
      assert.equal(res.status, 200, `GET /_contract/state -> ${res.status}`);
      return (await res.json()).slack_messages;
    },
    /** Revokes every grant and token the vendors issued, as an uninstalled app would see. */
    async revokeAll() {
      const res = await fetch(`${baseUrl}/_contract/revoke`, { method: 'POST' });
      assert.equal(res.status, 204, `POST /_contract/revoke -> ${res.status}`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      log.end();
    },
  };
}

let vendors;
let ctx;
const widget = (...args) => ctx.widget(...args);
const apiSend = (...args) => ctx.apiSend(...args);
let page;

before(async () => {
  vendors = await startVendors();
  ctx = await openDashboard({
    env: {
      PARLEY_SLACK_BASE_URL: `${vendors.baseUrl}/slack`,
      PARLEY_HUBSPOT_BASE_URL: `${vendors.baseUrl}/hubspot`,
      PARLEY_GOOGLE_BASE_URL: `${vendors.baseUrl}/google`,
      PARLEY_SLACK_CLIENT_ID: CLIENT_ID,
      PARLEY_SLACK_CLIENT_SECRET: CLIENT_SECRET,
    },
  });
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
  await vendors?.stop();
});

const ANGRY = 'This is the third time I ask. Terrible, useless service, I am furious!';



const slack = () => page.getByRole('region', { name: 'Slack', exact: true });
const slackState = async () => (await ctx.apiGet('/api/v1/integrations')).providers.find((p) => p.provider === 'slack');
/** The Integrations page with no callback keys left in the address. */
const settled = (url) => url.pathname === '/app/integrations' && url.search === '';
const atVendor = (url) => url.href.startsWith(vendors.baseUrl);

test('integrations: connect Slack by token and through OAuth, test, needs reconnect', { timeout: 240_000 }, async (t) => {
  const step = stepper(t);
  let callbackUrl;

  await step('log in; Slack uses the server’s OAuth app and is not connected', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.waitForURL('**/app/integrations');
    await slack().getByText('Not connected', { exact: true }).waitFor();
    await slack().getByText(/The server’s settings \(PARLEY_SLACK_CLIENT_ID\)/).waitFor();
    await slack().getByText(CLIENT_ID, { exact: true }).waitFor();
    const state = await slackState();
    assert.equal(state.state, 'disconnected');
    assert.equal(state.app_source, 'settings');
    callbackUrl = state.callback_url;
    assert.equal(callbackUrl, `${ctx.server.baseUrl}/api/v1/integrations/slack/callback`);
    await slack().getByText(callbackUrl, { exact: true }).waitFor();
    await slack().getByText(/Paste this into your Slack app’s Redirect URLs/).waitFor();
    assert.ok(!(await page.content()).includes(CLIENT_SECRET), 'the client secret is never on the page');
  });

  await step('a bot token Slack refuses is shown at its field; nothing is saved', async () => {
    await slack().getByRole('button', { name: 'Paste a bot token instead' }).click();
    const field = slack().getByLabel('Bot token', { exact: true });
    await field.fill('xoxb-e2e-not-a-real-token');
    await slack().getByRole('button', { name: 'Check and save' }).click();
    await slack().getByText(/^Slack refused it: /).waitFor();
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.equal((await slackState()).state, 'disconnected');
  });

  await step('a good bot token connects, checked against Slack', async () => {
    await slack().getByLabel('Bot token', { exact: true }).fill(GOOD_BOT_TOKEN);
    await slack().getByRole('button', { name: 'Check and save' }).click();
    await slack().getByText(`Connected as ${TEAM.name}`, { exact: true }).waitFor();
    await slack().getByText('A pasted bot token', { exact: true }).waitFor();
    const state = await slackState();
    assert.equal(state.state, 'connected');
    assert.equal(state.method, 'token');
    assert.deepEqual(state.account, TEAM);
    assert.ok(!JSON.stringify(state).includes(GOOD_BOT_TOKEN), 'the API never returns the token');
  });

  await step('disconnecting asks first, then Slack is not connected', async () => {
    await slack().getByRole('button', { name: 'Disconnect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Disconnect Slack?' });
    await dialog.getByRole('button', { name: 'Disconnect' }).click();
    await dialog.waitFor({ state: 'detached' });
    await slack().getByText('Not connected', { exact: true }).waitFor();
    assert.equal((await slackState()).state, 'disconnected');
  });

  await step('cancelling on Slack’s consent screen comes back with the reason on the Slack card', async () => {
    await slack().getByRole('button', { name: 'Connect Slack' }).click();
    await page.waitForURL(atVendor);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(url.searchParams.get('redirect_uri'), callbackUrl);
    assert.ok(url.searchParams.get('state'), 'the authorize URL carries a state');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(settled);
    await slack().getByRole('alert').getByText(/^Slack did not connect: /).waitFor();
    assert.equal((await slackState()).state, 'disconnected');
  });

  await step('Allow on the consent screen connects Slack through OAuth', async () => {
    await slack().getByRole('button', { name: 'Connect Slack' }).click();
    await page.waitForURL(atVendor);
    await page.getByRole('link', { name: 'Allow' }).click();
    await page.waitForURL(settled);
    await page.getByRole('status').getByText('Slack connected').waitFor();
    await slack().getByText(`Connected as ${TEAM.name}`, { exact: true }).waitFor();
    const state = await slackState();
    assert.equal(state.state, 'connected');
    assert.equal(state.method, 'oauth');
    assert.deepEqual(state.account, TEAM);
    assert.ok(state.scopes.includes('chat:write'), `scopes: ${state.scopes}`);
    assert.ok(state.expires_at > Date.now(), 'a rotating token expires, later');
    await slack().getByText(`${TEAM.name} (${TEAM.id})`, { exact: true }).waitFor();
    for (const scope of state.scopes) await slack().getByText(scope, { exact: true }).waitFor();
    await slack().getByText(/^in 1[12] hours, renewed before then$/).waitFor();
    assert.equal(await slack().getByRole('alert').count(), 0, 'the earlier cancel is not shown again');
    await page.getByRole('status').getByText('Slack connected').waitFor({ state: 'detached' });
    await ctx.shot('integrations-connected.png');
  });

  await step('a test message goes to the picked channel, with Slack’s receipt, once', async () => {
    await slack().getByRole('button', { name: 'Send a test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a test to Slack' });
    const channel = dialog.getByLabel('Channel');
    await channel.locator('option', { hasText: '#general' }).waitFor({ state: 'attached' });
    await channel.selectOption({ label: '#general' });
    await dialog.getByRole('button', { name: 'Send test message' }).click();
    const receipt = dialog.getByRole('region', { name: 'Test receipt' });
    await receipt.waitFor();
    const messages = await vendors.slackMessages();
    assert.equal(messages.length, 1, `one message at Slack: ${JSON.stringify(messages)}`);
    assert.equal(messages[0].channel, 'C0GENERAL');
    await receipt.getByText(messages[0].ts, { exact: true }).waitFor();
    await ctx.shot('integrations-test-receipt.png');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.ok((await slackState()).last_success_at, 'the test counts as a success');
  });

  await step('grants revoked at Slack: the next test fails and the card asks to reconnect', async () => {
    await vendors.revokeAll();
    await slack().getByRole('button', { name: 'Send a test' }).click();
    const dialog = page.getByRole('dialog', { name: 'Send a test to Slack' });
    // The channel list is the first call to fail; either way Slack has refused Parley.
    const channel = dialog.getByLabel('Channel');
    const refusedEarly = dialog.getByRole('alert');
    await channel.or(refusedEarly).first().waitFor();
    if (await channel.isVisible()) {
      await channel.selectOption({ label: '#general' });
      await dialog.getByRole('button', { name: 'Send test message' }).click();
      await dialog.getByRole('alert').waitFor();
    }
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    const state = await eventually(slackState, (s) => s.state === 'needs_reconnect');
    assert.equal(state.state, 'needs_reconnect', `after a revoked grant: ${JSON.stringify(state)}`);
    await page.reload();
    await slack().getByText('Needs reconnect', { exact: true }).waitFor();
    await slack().getByText(/no longer accepts Parley’s access/).waitFor();
    assert.equal(await slack().getByText('Access expires', { exact: true }).count(), 0, 'a dead grant shows no expiry');
    await slack().getByRole('button', { name: 'Reconnect Slack' }).waitFor();
    assert.ok(state.last_error, 'the reason is recorded');
    await slack().getByText(state.last_error, { exact: false }).waitFor();
    assert.equal((await vendors.slackMessages()).length, 1, 'nothing more reached Slack');
    await ctx.shot('integrations-needs-reconnect.png');
  });

  await step('Reconnect goes through the consent screen again and Slack is connected', async () => {
    await slack().getByRole('button', { name: 'Reconnect Slack' }).click();
    await page.waitForURL(atVendor);
    await page.getByRole('link', { name: 'Allow' }).click();
    await page.waitForURL(settled);
    await slack().getByText(`Connected as ${TEAM.name}`, { exact: true }).waitFor();
    assert.equal((await slackState()).state, 'connected');
  });

  await step('negative sentiment posts to Slack through a workflow; the receipt is in the log', async () => {
    const node = (id, type, data) => ({ id, type, position: { x: 0, y: 0 }, data });
    const created = await apiSend('POST', '/api/v1/workflows', {
      name: 'Unhappy visitors to Slack',
      graph: {
        nodes: [
          node('t', 'trigger', { event: 'sentiment.negative' }),
          node('post', 'action', {
            action: 'slack_message',
            params: { channel: '#general', style: 'negative_sentiment', text: 'Unhappy visitor: {{conversation.preview}}' },
          }),
          node('end', 'end', {}),
        ],
        edges: [
          { id: 'a', source: 't', target: 'post' },
          { id: 'b', source: 'post', target: 'end' },
        ],
      },
    });
    await apiSend('POST', `/api/v1/workflows/${created.id}/activate`);
    const before = (await vendors.slackMessages()).length;
    const bot = (await ctx.apiGet('/api/v1/bots')).items[0];
    const started = await widget('POST', '/widget/v1/conversations', { bot: bot.public_key, body: {} });
    await widget('POST', `/widget/v1/conversations/${started.conversation.id}/messages`, {
      bot: bot.public_key,
      session: started.session_token,
      body: { text: ANGRY },
    });
    const messages = await eventually(vendors.slackMessages, (m) => m.length > before, { timeoutMs: 30_000 });
    const posted = messages[messages.length - 1];
    assert.equal(posted.channel, 'C0GENERAL');
    assert.match(posted.text, /^Unhappy visitor: /);
    assert.match(JSON.stringify(posted.blocks), /A visitor is unhappy/);
    assert.match(JSON.stringify(posted.blocks), new RegExp(`/app/inbox/${started.conversation.id}`));
    await page.goto(`/app/workflows/${created.id}/runs`);
    const row = page.getByRole('table', { name: 'Executions' }).getByRole('row').filter({ hasText: 'Completed' });
    await row.first().waitFor({ timeout: 30_000 });
    await row.first().getByRole('link', { name: 'Steps' }).click();
    await page.waitForURL(/\/app\/workflows\/executions\/[0-9a-f-]{36}$/);
    await page.getByRole('list', { name: 'Steps' }).getByText(`Slack message ${posted.ts} in C0GENERAL`).waitFor();
    await ctx.shot('integrations-execution-receipt.png');
  });

  await step('the page threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

// The System page in the browser against a real `parley serve` (heartbeats and alert
// evaluation every second, a local SMTP sink as its mail server): the page shows this node
// and the queue; an alert webhook pointed at an address that answers 410 turns the test
// notice into a dead-lettered job, shown with its last error, which is retried from the
// page once the address is fixed and then delivered; a bot whose model refuses every call
// fires the "model provider" alert (email at the sink), and once the model answers again
// the alert resolves with a second email, both listed on the Alerts tab.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { startSmtpSink } from '../lib/smtp.mjs';

/**
 * A local server for alert webhooks (`/gone` answers 410, `/ok` keeps each body) and an
 * OpenAI-compatible model that refuses every call (401) or streams a short answer, by `mode`.
 */
function startStubs() {
  const hooks = [];
  const state = { mode: 'refuse', modelCalls: 0 };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.url === '/gone') {
        res.writeHead(410).end();
      } else if (req.url === '/ok') {
        hooks.push({ signature: req.headers['x-parley-signature'], body: JSON.parse(raw) });
        res.writeHead(200).end();
      } else if (req.url.endsWith('/chat/completions')) {
        state.modelCalls += 1;
        if (state.mode === 'refuse') {
          res.writeHead(401, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }));
          return;
        }
        const chunk = (delta, finish) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(chunk({ content: 'Happy to help.' }, null));
        res.write(chunk({}, 'stop'));
        res.end('data: [DONE]\n\n');
      } else {
        res.writeHead(404).end();
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const base = `http://127.0.0.1:${server.address().port}`;
      resolve({ base, hooks, state, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

let smtp;
let stubs;
let ctx;

before(async () => {
  smtp = await startSmtpSink();
  stubs = await startStubs();
  ctx = await openDashboard({
    env: {
      PARLEY_SMTP_URL: smtp.url,
      PARLEY_SMTP_FROM: 'Parley <parley@example.org>',
      PARLEY_ALERT_INTERVAL_SECS: '1',
      PARLEY_HEARTBEAT_SECS: '1',
      PARLEY_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    },
  });
});

after(async () => {
  await ctx?.close();
  await smtp?.close();
  await stubs?.close();
});

test('system: nodes and queue, a dead letter retried, an alert fired and resolved by email', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  const page = ctx.page;
  const tab = (name) => page.getByRole('tab', { name }).click();
  let bot;

  await step('the System page shows this node, the database and the queue', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'System' }).click();
    await page.waitForURL('**/app/system');
    const nodes = page.getByRole('table', { name: 'Nodes' });
    await nodes.getByText('(this one)').waitFor();
    await nodes.getByText('Up').waitFor();
    await page.getByRole('heading', { name: 'Job queue' }).waitFor();
    await page.getByText('SQLite').waitFor();
    await page.getByText(/None\. A job that fails on every attempt lands here/).waitFor();
    await ctx.shot('system.png');
  });

  await step('alert rules are saved; a test notice to a broken webhook is dead-lettered', async () => {
    await tab('Alerts');
    await page.getByRole('heading', { name: 'Alert rules' }).waitFor();
    await page.getByText('No alert has fired.', { exact: false }).waitFor();
    await page.getByLabel('A bot’s model fails or is unreachable: threshold').fill('50');
    await page.getByLabel('A bot’s model fails or is unreachable: minimum count').fill('2');
    await page.getByLabel('Signed webhook').check();
    await page.getByLabel('Webhook URL').fill(`${stubs.base}/gone`);
    await page.getByRole('button', { name: 'Save alert rules' }).click();
    await page.getByText('Alert rules saved').waitFor();
    await page.getByText('Signing secret').waitFor();
    await ctx.shot('system-alerts.png');
    await page.getByRole('button', { name: 'Send a test alert' }).click();
    await page.getByText('Test alert sent by email, webhook').waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes(ADMIN_EMAIL) && m.subject.startsWith('[Parley] TEST'), 15_000);
    assert.match(mail.text, /\/app\/system/);
    await tab('Overview');
    const dead = page.getByRole('group', { name: 'Dead-lettered jobs' });
    await dead.getByText('alerts.deliver').waitFor();
    await dead.getByText(/answered 410 Gone/).waitFor();
    const dismiss = page.getByRole('button', { name: 'Dismiss notification' });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    await dead.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await ctx.shot('system-dead-letter.png');
  });

  await step('with the webhook fixed, Retry delivers the dead-lettered notice', async () => {
    const rules = await ctx.apiGet('/api/v1/alerts/rules');
    await ctx.apiSend('PUT', '/api/v1/alerts/rules', { ...rules, webhook: { enabled: true, url: `${stubs.base}/ok` } });
    await page.getByRole('button', { name: 'Retry the alerts.deliver job' }).click();
    await page.getByText('The alerts.deliver job is queued again').waitFor();
    await eventually(
      () => stubs.hooks.length,
      (n) => n === 1,
    );
    assert.equal(stubs.hooks[0].body.event, 'test');
    assert.match(stubs.hooks[0].signature, /^sha256=[0-9a-f]{64}$/);
    const dead = page.getByRole('group', { name: 'Dead-lettered jobs' });
    await dead.getByText(/None\. A job that fails/).waitFor();
    const audit = await ctx.apiGet('/api/v1/audit');
    assert.ok(audit.items.some((e) => e.action === 'job.retried'), 'the retry is audited');
  });

  await step('a model that refuses every call fires the provider alert, by email', async () => {
    bot = await ctx.apiSend('POST', '/api/v1/bots', { name: 'Alerting bot' });
    await ctx.apiSend('PUT', `/api/v1/bots/${bot.id}/model`, {
      base_url: `${stubs.base}/v1`,
      model: 'm',
      temperature: 0.2,
      max_tokens: 128,
      context_tokens: 4096,
      api_key: 'sk-wrong',
    });
    for (const text of ['Where is my order?', 'Can I return a jacket?']) {
      const started = await ctx.widget('POST', '/widget/v1/conversations', { bot: bot.public_key, body: {} });
      await ctx.widget('POST', `/widget/v1/conversations/${started.conversation.id}/messages`, {
        bot: bot.public_key,
        session: started.session_token,
        body: { text },
      });
    }
    const fired = await smtp.waitFor((m) => m.to.includes(ADMIN_EMAIL) && m.subject.startsWith('[Parley] FIRING'), 30_000);
    assert.match(fired.subject, /Alerting bot" is unreachable/);
    const banner = page.getByRole('alert', { name: 'Alerts firing' });
    await banner.getByText(/Alerting bot" is unreachable/).waitFor();
    const providers = page.getByRole('table', { name: 'Model providers' });
    await providers.getByText('2 (100%)').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await ctx.shot('system-alert-firing.png');
  });

  await step('the model answers again: the alert resolves with a second email', async () => {
    stubs.state.mode = 'answer';
    for (let i = 0; i < 3; i++) {
      const started = await ctx.widget('POST', '/widget/v1/conversations', { bot: bot.public_key, body: {} });
      await ctx.widget('POST', `/widget/v1/conversations/${started.conversation.id}/messages`, {
        bot: bot.public_key,
        session: started.session_token,
        body: { text: `Question ${i + 1}` },
      });
    }
    const resolved = await smtp.waitFor((m) => m.to.includes(ADMIN_EMAIL) && m.subject.startsWith('[Parley] RESOLVED'), 30_000);
    assert.match(resolved.subject, /Alerting bot/);
    const firing = smtp.messages.filter((m) => m.subject.startsWith('[Parley] FIRING') && m.subject.includes('Alerting bot'));
    assert.equal(firing.length, 1, 'fired once');
    await page.getByRole('alert', { name: 'Alerts firing' }).waitFor({ state: 'detached' });
    await tab('Alerts');
    const recent = page.getByRole('list', { name: 'Recent alerts' });
    await recent.getByText('Resolved').first().waitFor();
    await recent.getByText('Fired').first().waitFor();
    await ctx.shot('system-alerts-history.png');
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

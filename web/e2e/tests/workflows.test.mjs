// Workflows against a real `parley serve`: a workflow is built from the palette (negative
// sentiment → condition → tag + note → end), a validation error lands on its node and is
// fixed, it is saved, tested (dry run path), activated and triggered by an angry visitor
// through the widget API while the execution console is open; the run appears live and its
// steps open. Then export and import round trip, the template gallery to an active
// workflow, a failing webhook (a local receiver that refuses the first call) resumed from
// the console, and frame times of a 200-node graph panned and dragged (reported only).
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const ANGRY = 'This is the third time I ask. Terrible, useless service, I am furious!';
const NAME = 'Calm upset visitors';

let ctx;
const widget = (...args) => ctx.widget(...args);
const apiSend = (...args) => ctx.apiSend(...args);
let page;
let receiver;
let receiverPort;
/** Whether the local webhook receiver answers 200 (else 500). */
let receiverUp = false;
const received = [];

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ body, key: req.headers['idempotency-key'] });
      res.writeHead(receiverUp ? 200 : 500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ok: receiverUp }));
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = receiver.address().port;
  ctx = await openDashboard({ env: { PARLEY_WEBHOOK_ALLOW_HOSTS: `127.0.0.1:${receiverPort}` } });
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
  await new Promise((r) => (receiver ? receiver.close(r) : r()));
});



const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
const side = () => page.getByRole('complementary', { name: 'Selected step' });
const node = (id) => page.locator(`.react-flow__node[data-id="${id}"]`);
const toast = (text) => page.getByRole('status').filter({ hasText: text }).or(page.getByRole('alert').filter({ hasText: text }));

test('workflows: build, validate, run live, import/export, templates, resume', { timeout: 300_000 }, async (t) => {
  const step = stepper(t);
  let workflowId;
  let bot;

  await step('log in; the Workflows page says what to do first', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    const { items } = await ctx.apiGet('/api/v1/bots');
    bot = items.find((b) => b.name === DEMO_BOT);
    assert.ok(bot?.public_key, 'the demo bot');
    await nav('Workflows').click();
    await page.waitForURL('**/app/workflows');
    await page.getByRole('heading', { name: 'Workflows', level: 1 }).waitFor();
    await page.getByText('No workflows yet').waitFor();
  });

  await step('a new workflow opens on the canvas with a trigger and an end', async () => {
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.waitForURL(/\/app\/workflows\/[0-9a-f-]{36}$/);
    workflowId = page.url().split('/').pop();
    await node('trigger').waitFor();
    await node('end').waitFor();
    await page.getByLabel('Workflow name').fill(NAME);
  });

  await step('build negative sentiment → condition → tag + note → end from the palette', async () => {
    await node('trigger').click();
    await side().getByLabel('Starts when').selectOption('sentiment.negative');
    await node('trigger').getByText('Sentiment turns negative').waitFor();

    // With the trigger selected, a palette item is added below it; its handle is taken
    // by the edge to the end, so the condition is joined from the menu.
    await page.getByRole('button', { name: 'Add Condition' }).click();
    await node('condition_1').waitFor();
    await side().getByRole('heading', { name: 'Write a condition' }).waitFor();
    // A mistake the server will point at: nothing after `<`.
    await side().getByRole('combobox', { name: 'Expression' }).fill('sentiment.last <');
    await side().getByLabel('If false, go to').selectOption('end');

    await node('trigger').click();
    await side().getByLabel('Next, go to').selectOption('condition_1');

    // From the condition, the tag action takes its free `true` handle.
    await node('condition_1').click();
    await page.getByRole('button', { name: 'Add action Tag conversation' }).click();
    await node('action_1').waitFor();
    await side().getByRole('combobox', { name: 'Tag' }).fill('upset');
    await node('action_1').getByText('Tag the conversation “upset”').waitFor();

    // The note follows the tag; its text is written with the path autocomplete.
    await page.getByRole('button', { name: 'Add action Add note' }).click();
    await node('action_2').waitFor();
    const text = side().getByRole('combobox', { name: 'Text' });
    await text.fill('Upset visitor: {{conversation.pre');
    await side().getByRole('option', { name: 'conversation.preview' }).waitFor();
    await text.press('Enter');
    assert.equal(await text.inputValue(), 'Upset visitor: {{conversation.preview}}');
    await side().getByLabel('When done, go to').selectOption('end');
    await page.getByRole('button', { name: /fit view/i }).click();
    await ctx.shot('workflows-builder.png');
    // A 13" laptop's 1280x720: the toolbar, palette, canvas and panel all still fit.
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('button', { name: 'Save', exact: true }).waitFor();
    const save = await page.getByRole('button', { name: 'Save', exact: true }).boundingBox();
    const panel = await side().boundingBox();
    assert.ok(save && save.y < 120, `the toolbar stays one line: Save at y=${save?.y}`);
    assert.ok(panel && panel.y + panel.height <= 720, 'the side panel fits the window');
    await ctx.shot('workflows-builder-720.png');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('saving shows the expression error on its node; selecting it from the list; fixing it saves', async () => {
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.waitFor();
    await node('condition_1').locator('.wf-node-issues').getByText(/column/).waitFor();
    assert.ok(await node('condition_1').locator('.wf-node-error').count(), 'the condition card is marked');
    assert.equal(await node('action_1').locator('.wf-node-error').count(), 0, 'other cards are not');
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await side().getByRole('heading', { name: 'Select a step to configure it' }).waitFor();
    await problems.getByRole('button', { name: /condition_1/ }).click();
    await side().getByRole('heading', { name: /^If / }).waitFor();
    await side().locator('.wf-expr-caret').waitFor();
    await ctx.shot('workflows-validation.png');

    await side().getByRole('combobox', { name: 'Expression' }).fill('sentiment.last < 0');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await toast('Saved as version 2').first().waitFor();
    await problems.waitFor({ state: 'detached' });
    const saved = await ctx.apiGet(`/api/v1/workflows/${workflowId}`);
    assert.equal(saved.name, NAME);
    assert.equal(saved.trigger_event, 'sentiment.negative');
    const byId = Object.fromEntries(saved.graph.nodes.map((n) => [n.id, n]));
    assert.deepEqual(byId.action_1.data, { action: 'tag_conversation', params: { tag: 'upset' } });
    assert.equal(byId.action_2.data.params.text, 'Upset visitor: {{conversation.preview}}');
    const edges = saved.graph.edges.map((e) => `${e.source}:${e.sourceHandle ?? ''}>${e.target}`).sort();
    assert.deepEqual(edges, ['action_1:>action_2', 'action_2:>end', 'condition_1:false>end', 'condition_1:true>action_1', 'trigger:>condition_1']);
  });

  await step('the dry run highlights the path it would take', async () => {
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Test the workflow' });
    const context = dialog.getByLabel('Context overrides (JSON)');
    const sample = JSON.parse(await context.inputValue());
    await context.fill(JSON.stringify({ ...sample, sentiment: { last: -0.8, negative: true } }));
    await dialog.getByRole('button', { name: 'Run the test' }).click();
    const path = dialog.getByRole('list', { name: 'Test path' });
    await path.getByText('Tag the conversation “upset”').waitFor();
    await path.getByText('Tag conversation would get').click();
    await path.getByText('"tag": "upset"').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await eventually(
      () => page.locator('.wf-node-path').count(),
      (n) => n === 5,
    );
    assert.equal(await page.locator('.wf-node-path').count(), 5, 'trigger, condition, tag, note and end are on the path');
  });

  await step('activate', async () => {
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByRole('toolbar', { name: 'Workflow' }).getByText('Active', { exact: true }).waitFor();
    assert.equal((await ctx.apiGet(`/api/v1/workflows/${workflowId}`)).status, 'active');
  });

  let conversationId;
  await step('an angry visitor starts it; the console shows the run live; its steps open', async () => {
    await page.goto('/app/workflows/executions');
    await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();
    await page.getByText('No executions yet').waitFor();

    const started = await widget('POST', '/widget/v1/conversations', { bot: bot.public_key, body: {} });
    conversationId = started.conversation.id;
    await widget('POST', `/widget/v1/conversations/${conversationId}/messages`, {
      bot: bot.public_key,
      session: started.session_token,
      body: { text: ANGRY },
    });

    // No reload: the row arrives over the stream and turns completed.
    const table = page.getByRole('table', { name: 'Executions' });
    const row = table.getByRole('row').filter({ hasText: NAME });
    await row.getByText('Completed').waitFor({ timeout: 30_000 });
    await ctx.shot('workflows-console.png');
    await row.getByRole('link', { name: 'Steps' }).click();
    await page.waitForURL(/\/app\/workflows\/executions\/[0-9a-f-]{36}$/);
    const steps = page.getByRole('list', { name: 'Steps' });
    await steps.getByText('Tag the conversation “upset”').waitFor();
    await steps.getByText('took “true”').waitFor();
    await steps.getByText(/^Note: Upset visitor/).waitFor();
    assert.equal(await steps.getByRole('listitem').filter({ has: page.locator('.wf-step-head') }).count(), 5);
    await ctx.shot('workflows-timeline.png');
    const conv = await ctx.apiGet(`/api/v1/conversations/${conversationId}`);
    assert.ok(conv.conversation.tags.includes('upset'), `tagged: ${JSON.stringify(conv.conversation.tags)}`);
  });

  let exported;
  await step('export and import round trip', async () => {
    await page.goto('/app/workflows');
    const row = page.getByRole('table', { name: 'Workflows' }).getByRole('row').filter({ hasText: NAME });
    await row.getByText('Active').waitFor();
    await row.getByRole('link', { name: /^1 runs of / }).waitFor();
    await ctx.shot('workflows-list.png');
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: `Export ${NAME}` }).click()]);
    assert.equal(download.suggestedFilename(), 'calm-upset-visitors.parley-workflow.json');
    const file = await download.path();
    exported = JSON.parse(await fs.promises.readFile(file, 'utf8'));
    assert.equal(exported.format, 'parley.workflow/1');
    assert.equal(exported.name, NAME);

    await page.getByLabel('Import a workflow file').setInputFiles(file);
    await page.waitForURL((url) => /\/app\/workflows\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(workflowId));
    const importedId = page.url().split('/').pop();
    await node('action_2').waitFor();
    const imported = await ctx.apiGet(`/api/v1/workflows/${importedId}`);
    assert.equal(imported.status, 'draft');
    assert.deepEqual(imported.graph, exported.graph, 'the same graph comes back');
  });

  await step('keyboard: add a step from the palette, select with Enter, delete, undo, redo', async () => {
    const add = page.getByRole('button', { name: 'Add Delay' });
    await add.focus();
    await page.keyboard.press('Enter');
    await node('delay_1').waitFor();
    await side().getByRole('heading', { name: 'Wait 15 minutes' }).waitFor();
    await page.keyboard.press('Delete');
    await node('delay_1').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+z');
    await node('delay_1').waitFor();
    await page.keyboard.press('Control+Shift+z');
    await node('delay_1').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Undo' }).click();
    await node('delay_1').waitFor();
    // A card takes focus with Tab and is selected with Enter; its panel opens.
    await node('trigger').focus();
    await page.keyboard.press('Enter');
    await side().getByRole('heading', { name: 'Sentiment turns negative' }).waitFor();
  });

  await step('a template from the gallery becomes an active workflow', async () => {
    await page.goto('/app/workflows');
    await page.getByRole('button', { name: 'Templates' }).click();
    const gallery = page.getByRole('dialog', { name: 'Start from a template' });
    const templates = gallery.getByRole('list', { name: 'Templates' });
    await templates.getByText('Needs Slack').waitFor();
    await templates.getByRole('button', { name: /^Use template .*[Rr]eturn/ }).click();
    await page.waitForURL(/\/app\/workflows\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop();
    await page.locator('.react-flow__node').first().waitFor();
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.getByRole('toolbar', { name: 'Workflow' }).getByText('Active', { exact: true }).waitFor();
    const wf = await ctx.apiGet(`/api/v1/workflows/${id}`);
    assert.equal(wf.status, 'active');
    assert.equal(wf.trigger_event, 'image.analyzed');
  });

  await step('a webhook refused once fails; resume from the console completes it', async () => {
    const wf = await apiSend('POST', '/api/v1/workflows', {
      name: 'Order shipped hook',
      graph: {
        nodes: [
          { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'external:order.shipped' } },
          { id: 'hook', type: 'action', position: { x: 0, y: 150 }, data: { action: 'webhook', retries: 0, params: { url: `http://127.0.0.1:${receiverPort}/hook` } } },
          { id: 'end', type: 'end', position: { x: 0, y: 300 }, data: {} },
        ],
        edges: [
          { id: 'e1', source: 't', target: 'hook' },
          { id: 'e2', source: 'hook', target: 'end' },
        ],
      },
    });
    await apiSend('POST', `/api/v1/workflows/${wf.id}/activate`);
    await page.goto(`/app/workflows/${wf.id}/runs`);
    await page.getByRole('status').filter({ hasText: /^Live$/ }).waitFor();
    await apiSend('POST', '/api/v1/events', { name: 'order.shipped', payload: { order: 'A-1' } });
    const row = page.getByRole('table', { name: 'Executions' }).getByRole('row').nth(1);
    await row.getByText('Failed').waitFor({ timeout: 30_000 });
    await row.getByRole('link', { name: 'Steps' }).click();
    await page.getByRole('list', { name: 'Steps' }).getByText(/500/).first().waitFor();

    receiverUp = true;
    await page.getByRole('button', { name: 'Resume' }).click();
    const confirm = page.getByRole('dialog', { name: 'Resume this run?' });
    await confirm.getByRole('button', { name: 'Resume' }).click();
    await page.locator('.page-title').getByText('Completed').waitFor({ timeout: 30_000 });
    assert.equal(received.length, 2, 'one refused call, one accepted');
    assert.equal(received[0].key, received[1].key, 'the same idempotency key both times');
    await page.getByRole('link', { name: 'Open the workflow' }).waitFor();
    await page.goto(`/app/workflows/${wf.id}/runs`);
    await page.getByRole('img', { name: /^Runs per day/ }).waitFor();
    await page.getByRole('table', { name: 'Executions' }).getByText('Completed').waitFor();
    await ctx.shot('workflows-runs.png');
  });

  await step('a 200-node graph pans and drags (frame times reported, not asserted)', async () => {
    const nodes = [{ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'external:big' } }];
    const edges = [];
    for (let i = 1; i <= 198; i++) {
      nodes.push({ id: `a${i}`, type: 'action', position: { x: (i % 10) * 260, y: Math.floor(i / 10) * 140 + 140 }, data: { action: 'tag_conversation', params: { tag: `t${i}` } } });
      edges.push({ id: `e${i}`, source: i === 1 ? 't' : `a${i - 1}`, target: `a${i}` });
    }
    nodes.push({ id: 'end', type: 'end', position: { x: 0, y: 3000 }, data: {} });
    edges.push({ id: 'e-end', source: 'a198', target: 'end' });
    const wf = await apiSend('POST', '/api/v1/workflows', { name: 'Two hundred nodes', graph: { nodes, edges } });
    await page.goto(`/app/workflows/${wf.id}`);
    await eventually(
      () => page.locator('.react-flow__node').count(),
      (n) => n > 20,
    );
    const sample = async (gesture) => {
      await page.evaluate(() => {
        window.__frames = [];
        let last = performance.now();
        const tick = (now) => {
          window.__frames.push(now - last);
          last = now;
          if (window.__sampling) requestAnimationFrame(tick);
        };
        window.__sampling = true;
        requestAnimationFrame(tick);
      });
      await gesture();
      const frames = await page.evaluate(() => {
        window.__sampling = false;
        return window.__frames.slice(1);
      });
      frames.sort((a, b) => a - b);
      const at = (q) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))]?.toFixed(1);
      return { frames: frames.length, median_ms: at(0.5), p95_ms: at(0.95) };
    };
    const box = await page.locator('.react-flow__pane').boundingBox();
    const pan = await sample(async () => {
      await page.mouse.move(box.x + 40, box.y + box.height - 40);
      await page.mouse.down();
      for (let i = 0; i < 60; i++) await page.mouse.move(box.x + 40 + i * 8, box.y + box.height - 40 - i * 4);
      await page.mouse.up();
    });
    const card = await page.locator('.react-flow__node').nth(3).boundingBox();
    const drag = await sample(async () => {
      await page.mouse.move(card.x + card.width / 2, card.y + 20);
      await page.mouse.down();
      for (let i = 0; i < 60; i++) await page.mouse.move(card.x + card.width / 2 + i * 5, card.y + 20 + i * 3);
      await page.mouse.up();
    });
    const report = { nodes: 200, pan, drag };
    t.diagnostic(`200-node frame times: ${JSON.stringify(report)}`);
    await fs.promises.writeFile(new URL('../test-results/workflow-frames.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
    assert.ok(pan.frames > 0 && drag.frames > 0, 'frames were sampled');
  });

  await step('no page errors or CSP violations', async () => {
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

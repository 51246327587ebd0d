// The return journey in the browser, against a real `parley serve` and a local vision model
// server (lib/provider.mjs) that sees a crack: the admin points the bot at the vision model,
// tests it and tries an image on the bot page; the auto-return-approval template is active;
// a visitor sends a photo of a damaged mug "for a return" in the widget; the bot says what it
// sees, the workflow approves the return and the visitor gets an RMA number; the agent sees
// it all in the inbox, corrects the analysis, and re-runs it as a count, which shows up live
// (no reload) with the counted boxes over the photo. Screenshots of every page touched.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { startVisionProvider } from '../lib/provider.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { dropFile } from '../lib/widget.mjs';

const DAMAGED = {
  verdict: 'damaged',
  damages: [{ location: 'left side of the rim', description: 'a chip', severity: 'moderate' }],
  reasons: ['A piece of the rim is missing on the left.'],
  confidence: 0.91,
  quality_issues: [],
};
const COUNTED = {
  what: 'mugs',
  count: 1,
  boxes: [{ x: 0.3, y: 0.25, width: 0.4, height: 0.5 }],
  confidence: 0.9,
  notes: [],
};

let ctx;
let page;
let provider;

before(async () => {
  provider = await startVisionProvider({ condition: DAMAGED, count: COUNTED });
  ctx = await openDashboard({ env: { PARLEY_WEBHOOK_ALLOW_HOSTS: provider.host } });
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
  await provider?.close();
});

const widget = () => page.locator('parley-widget');
const log = () => widget().getByRole('log', { name: 'Conversation' });

/** A sharp 1200x900 photo of a mug with a chipped rim on a textured table, drawn in the page (JPEG). */
function mugPhoto() {
  return page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 1200;
    c.height = 900;
    const g = c.getContext('2d');
    // Wood-like table: stripes and grain, so the photo has detail everywhere.
    for (let y = 0; y < 900; y += 6) {
      g.fillStyle = `rgb(${150 + ((y * 7) % 40)}, ${110 + ((y * 3) % 30)}, ${70 + ((y * 5) % 20)})`;
      g.fillRect(0, y, 1200, 6);
    }
    for (let i = 0; i < 400; i++) {
      g.strokeStyle = `rgba(60, 40, 20, ${0.2 + (i % 5) / 10})`;
      g.beginPath();
      const y = (i * 37) % 900;
      g.moveTo(0, y);
      g.lineTo(1200, y + ((i * 13) % 40) - 20);
      g.stroke();
    }
    // The mug: a white body with a handle and a dark chip on the left of the rim.
    g.fillStyle = '#f4f4f2';
    g.fillRect(380, 250, 420, 460);
    g.lineWidth = 36;
    g.strokeStyle = '#f4f4f2';
    g.beginPath();
    g.arc(820, 470, 110, -Math.PI / 2, Math.PI / 2);
    g.stroke();
    g.fillStyle = '#2a2a2a';
    g.beginPath();
    g.moveTo(380, 250);
    g.lineTo(450, 250);
    g.lineTo(410, 310);
    g.closePath();
    g.fill();
    g.strokeStyle = '#3a3a3a';
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(410, 310);
    g.lineTo(440, 420);
    g.stroke();
    return c.toDataURL('image/jpeg', 0.92).split(',')[1];
  });
}

test('return journey: a damaged item photo gets the return approved with an RMA number', { timeout: 240_000 }, async (t) => {
  const step = stepper(t);
  let bot;
  let conversationId;
  let rma;

  await step('the admin signs in, gives the bot a vision model and turns on auto-return approval', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    bot = (await ctx.apiGet('/api/v1/bots')).items[0];
    await ctx.apiSend('PUT', `/api/v1/bots/${bot.id}/model`, {
      base_url: provider.baseUrl,
      model: 'eyes',
      temperature: 0.2,
      max_tokens: 256,
      context_tokens: 8192,
      api_key: 'sk-test-vision',
      vision: true,
    });
    const imported = await ctx.apiSend('POST', '/api/v1/workflow-templates/auto-return-approval/import');
    const id = imported.workflow?.id ?? imported.id;
    await ctx.apiSend('POST', `/api/v1/workflows/${id}/activate`);
  });

  await step('on the bot page, "Test vision" says the model sees, and "Try it" reads a photo', async () => {
    await page.goto(`/app/bots/${bot.id}`);
    const card = page.getByRole('region', { name: 'Image analysis' });
    await card.getByRole('button', { name: 'Test vision' }).click();
    await card.getByRole('status').getByText(/eyes answered “Red\.”/).waitFor();
    const bytes = Buffer.from(await mugPhoto(), 'base64');
    await card.getByLabel('Image to analyse').setInputFiles({ name: 'mug.jpg', mimeType: 'image/jpeg', buffer: bytes });
    await card.getByLabel('Look for').selectOption('condition');
    await card.getByRole('button', { name: 'Analyse' }).click();
    const result = card.getByLabel('Analysis result');
    await result.getByText('Damaged: a chip (left side of the rim)').waitFor();
    assert.match(await result.textContent(), /Vision model eyes/);
    await card.scrollIntoViewIfNeeded();
    await ctx.shot('vision-bot-card.png');
  });

  await step('a visitor sends a photo of the damaged mug for a return', async () => {
    await page.goto('/');
    await widget().getByRole('button', { name: /^Open chat/ }).click();
    await log().waitFor();
    await dropFile(page, { base64: await mugPhoto(), name: 'mug.jpg', type: 'image/jpeg' });
    const purpose = widget().getByRole('combobox', { name: 'What is this photo for?' });
    await purpose.waitFor();
    await purpose.selectOption('return');
    await widget().getByRole('button', { name: 'Send' }).click();
    await log().getByRole('img', { name: 'Image: mug.jpg' }).waitFor();
  });

  await step('the bot says what it sees, the return is approved and the visitor gets an RMA number', async () => {
    await log().locator('.m.bot').filter({ hasText: 'I can see a chip on the left side of the rim.' }).waitFor({ timeout: 30_000 });
    const approval = log().locator('.m.bot').filter({ hasText: 'Your return number is RMA-' });
    await approval.waitFor({ timeout: 30_000 });
    rma = (await approval.textContent()).match(/RMA-\d{4}-[A-Z0-9]{6}/)?.[0];
    assert.ok(rma, 'an RMA number in the message');
    const line = log().locator('[data-image] + .sum');
    assert.match(await eventually(() => line.textContent(), (s) => !!s), /Damaged: a chip/);
    await approval.scrollIntoViewIfNeeded();
    await ctx.shot('vision-return-widget.png');
    // The model got the photo as a data URL with the condition schema.
    const asked = provider.requests.find((b) => b.response_format?.json_schema?.name === 'parley_condition' && JSON.stringify(b).includes('data:image/jpeg;base64,'));
    assert.ok(asked, 'the vision model was asked about the photo');
  });

  await step('the agent sees the photo, its analysis and the approval in the inbox', async () => {
    const { items } = await ctx.apiGet('/api/v1/conversations');
    conversationId = items[0].id;
    await page.goto(`/app/inbox/${conversationId}`);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByText('Condition: Damaged: a chip (left side of the rim)', { exact: true }).waitFor();
    await transcript.getByText(rma, { exact: false }).waitFor();
    const panel = page.getByRole('region', { name: 'Images' });
    await panel.getByText('Vision model eyes', { exact: false }).waitFor();
    await panel.scrollIntoViewIfNeeded();
    await ctx.shot('vision-return-inbox.png');
  });

  await step('the agent corrects the analysis: shown as corrected by them, on the image too', async () => {
    const panel = page.getByRole('region', { name: 'Images' });
    await panel.getByRole('button', { name: 'Correct' }).click();
    const form = panel.getByRole('form', { name: 'Correct the analysis' });
    await form.getByLabel('Where (damage 1)').fill('left rim, 2 cm');
    await form.getByLabel('Note').fill('checked against the order photo');
    await form.getByRole('button', { name: 'Save correction' }).click();
    await panel.getByText(/Corrected by .* · “checked against the order photo”/).waitFor();
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByText(/Condition: Damaged: a chip \(left rim, 2 cm\) \(corrected by /).waitFor();
    await ctx.shot('vision-correction.png');
    // The correction re-ran the return workflow (image.analyzed, corrected: true), which
    // answers with the number already given: the visitor is not approved twice.
    await eventually(
      () => ctx.apiGet('/api/v1/executions'),
      (l) => l.items.length >= 2 && l.items.every((x) => x.status !== 'running' && x.status !== 'waiting'),
    );
    await transcript.getByText(rma, { exact: false }).waitFor();
    assert.equal(await transcript.getByText(/Your return number is RMA-/).count(), 1);
  });

  await step('a re-run as a count shows up live, with the counted boxes over the photo', async () => {
    const panel = page.getByRole('region', { name: 'Images' });
    // No reload from here: the stream's image.analyzed brings the change.
    await panel.getByLabel('Analyse again as').selectOption('count');
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByText(/^Count: /).waitFor({ timeout: 30_000 });
    await panel.locator('.count-box').first().waitFor();
    assert.equal(await panel.locator('.count-box').count(), 1);
    await panel.scrollIntoViewIfNeeded();
    await ctx.shot('vision-count-overlay.png');
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

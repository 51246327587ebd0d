// Image analysis in the browser, against a real `parley serve` with Debian's tesseract: on
// the demo page a visitor attaches a receipt (drawn on a canvas in the page), says it is an
// invoice, and sees what the bot read in a line under the image; the inbox shows the same
// line under the image. Screenshots of both.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { dropFile } from '../lib/widget.mjs';

/** The receipt: amounts right-aligned as a till prints them; 53.50 + 5.35 = 58.85. */
const RECEIPT = [
  'NORTHWIND TRADERS',
  '12 Harbour Road',
  'Invoice No: INV-2041',
  'Date: 14 Mar 2026',
  '',
  'Coffee beans 2 x 12.00      24.00',
  'Desk lamp                   29.50',
  '',
  'Subtotal                    53.50',
  'VAT 10%                      5.35',
  'TOTAL EUR                   58.85',
  'Thank you for your visit!',
];

let ctx;
let page;

before(async () => {
  ctx = await openDashboard();
  page = ctx.page;
});

after(async () => {
  await ctx?.close();
});

const widget = () => page.locator('parley-widget');
const log = () => widget().getByRole('log', { name: 'Conversation' });

/** The receipt as a PNG, drawn in the page (DejaVu Sans Mono, dark ink on paper). */
function receiptPng() {
  return page.evaluate((lines) => {
    const canvas = document.createElement('canvas');
    canvas.width = 720;
    canvas.height = 80 + lines.length * 40;
    const g = canvas.getContext('2d');
    g.fillStyle = '#faf8f2';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = '#19191e';
    g.font = '26px "DejaVu Sans Mono", monospace';
    g.textBaseline = 'top';
    lines.forEach((line, i) => g.fillText(line, 40, 40 + i * 40));
    return canvas.toDataURL('image/png').split(',')[1];
  }, RECEIPT);
}

test('vision: an invoice photo is read and summarised under the image, in the widget and the inbox', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let summary;

  await step('the OCR is ready on this server', async () => {
    const ready = await (await page.request.get('/health/ready')).json();
    assert.equal(ready.checks.ocr.status, 'up', `tesseract is missing: ${JSON.stringify(ready.checks.ocr)}`);
  });

  await step('a visitor attaches a receipt, says it is an invoice, and sends it', async () => {
    await page.goto('/');
    await widget().getByRole('button', { name: /^Open chat/ }).click();
    await log().waitFor();
    await dropFile(page, { base64: await receiptPng(), name: 'receipt.png', type: 'image/png' });
    const purpose = widget().getByRole('combobox', { name: 'What is this photo for?' });
    await purpose.waitFor();
    assert.equal(await purpose.inputValue(), '', 'no purpose is chosen for the visitor');
    await purpose.selectOption('invoice');
    await widget().getByRole('button', { name: 'Send' }).click();
    await log().getByRole('img', { name: 'Image: receipt.png' }).waitFor();
  });

  await step('the bot says what it read, and the summary appears under the image', async () => {
    const bot = log().locator('.m.bot').filter({ hasText: 'I read this invoice' });
    await bot.waitFor({ timeout: 30_000 });
    const line = log().locator('[data-image] + .sum');
    summary = await eventually(() => line.textContent(), (s) => !!s);
    assert.match(summary, /total EUR 58\.85/);
    assert.match(summary, /NORTHWIND TRADERS/);
    await line.scrollIntoViewIfNeeded();
    await ctx.shot('vision-widget.png');
  });

  await step('the inbox shows the analysis under the image', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    const { items } = await ctx.apiGet('/api/v1/conversations');
    const id = items[0].id;
    const analyses = await ctx.apiGet(`/api/v1/conversations/${id}/images`);
    assert.equal(analyses.items[0].status, 'done', JSON.stringify(analyses.items[0]));
    assert.equal(analyses.items[0].result.total, 58.85);
    await page.goto(`/app/inbox/${id}`);
    const transcript = page.getByRole('list', { name: 'Transcript' });
    await transcript.getByRole('list', { name: 'Images' }).getByText(`Invoice: ${summary}`, { exact: true }).waitFor();
    await ctx.shot('vision-inbox.png');
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

// Knowledge and FAQ pages against a real `parley serve`: the seeded demo bot's
// documents get indexed, a Markdown file dropped on the page is uploaded and
// indexed, one uploaded with a source URL links to it, test retrieval finds the
// shipping passage, and a new FAQ moves up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const UPLOAD_NAME = 'gift-cards.md';
const UPLOAD_TEXT = '# Gift cards\n\n## Expiry\n\nTrailhead gift cards never expire and can be used online or in store.\n';
const SOURCED_NAME = 'store-hours.md';
const SOURCED_TEXT = '# Store hours\n\nOur Boulder store is open 9am to 7pm every day.\n';
const SOURCE_URL = 'https://trailhead.example/help/store-hours';
const NEW_QUESTION = 'Do gift cards expire?';

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

test('knowledge: documents, upload, test retrieval, FAQ', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let botId;

  await step('log in and open the demo bot', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    await page.getByRole('table', { name: 'Bots' }).getByRole('link', { name: DEMO_BOT }).click();
    await page.getByRole('heading', { name: DEMO_BOT, level: 1 }).waitFor();
    const { items } = await apiGet('/api/v1/bots');
    botId = items.find((b) => b.name === DEMO_BOT)?.id;
    assert.ok(botId, 'the demo bot exists');
  });

  await step('the Knowledge tab lists the seeded documents, all ready', async () => {
    await page.getByRole('navigation', { name: 'Bot sections' }).getByRole('link', { name: 'Knowledge' }).click();
    await page.waitForURL(`**/app/bots/${botId}/knowledge`);
    const table = page.getByRole('table', { name: 'Documents' });
    await table.waitFor();
    // Seeded documents ingest on first start; the page polls until they are done.
    await page.waitForFunction(
      () => {
        const rows = [...document.querySelectorAll('table[aria-label="Documents"] tbody tr')];
        return rows.length >= 5 && rows.every((r) => r.textContent.includes('Ready'));
      },
      null,
      { timeout: 60_000 },
    );
    await table.getByText('shipping.md').waitFor();
    await page.getByText(/5 documents · \d+ chunks indexed/).waitFor();
  });

  await step('a Markdown file dropped on the page uploads and becomes ready', async () => {
    const dropzone = page.getByTestId('dropzone');
    const dataTransfer = await page.evaluateHandle(
      ({ name, text }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([text], name, { type: 'text/markdown' }));
        return dt;
      },
      { name: UPLOAD_NAME, text: UPLOAD_TEXT },
    );
    await dropzone.dispatchEvent('dragenter', { dataTransfer });
    await dropzone.dispatchEvent('dragover', { dataTransfer });
    await dropzone.dispatchEvent('drop', { dataTransfer });

    const uploads = page.getByRole('list', { name: 'Uploads' });
    await uploads.getByText(UPLOAD_NAME).waitFor();
    await uploads.getByText('Uploaded, queued for indexing').waitFor();
    const row = page.getByRole('table', { name: 'Documents' }).getByRole('row').filter({ hasText: UPLOAD_NAME });
    await row.getByText('Ready').waitFor({ timeout: 30_000 });
    const { items } = await apiGet(`/api/v1/bots/${botId}/documents`);
    const doc = items.find((d) => d.name === UPLOAD_NAME);
    assert.equal(doc?.status, 'ready');
    assert.ok(doc.chunk_count >= 1, `chunks: ${doc.chunk_count}`);
    await row.getByRole('cell', { name: String(doc.chunk_count), exact: true }).waitFor();
  });

  await step('a source URL goes with the upload and links from the table', async () => {
    const sourceUrl = page.getByLabel('Source URL');
    await sourceUrl.fill('trailhead.example/help');
    await page.locator('input[type="file"]').setInputFiles({ name: SOURCED_NAME, mimeType: 'text/markdown', buffer: Buffer.from(SOURCED_TEXT) });
    await page.getByText('Enter a full web address starting with https://', { exact: false }).waitFor();
    assert.equal(await page.getByRole('list', { name: 'Uploads' }).getByText(SOURCED_NAME).count(), 0, 'nothing was uploaded');

    await sourceUrl.fill(SOURCE_URL);
    await page.locator('input[type="file"]').setInputFiles({ name: SOURCED_NAME, mimeType: 'text/markdown', buffer: Buffer.from(SOURCED_TEXT) });
    await page.getByRole('list', { name: 'Uploads' }).getByText(SOURCED_NAME).waitFor();
    const row = page.getByRole('table', { name: 'Documents' }).getByRole('row').filter({ hasText: SOURCED_NAME });
    const link = row.getByRole('link', { name: `Source: ${SOURCE_URL.replace('https://', '')}` });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), SOURCE_URL);
    const { items } = await apiGet(`/api/v1/bots/${botId}/documents`);
    assert.equal(items.find((d) => d.name === SOURCED_NAME)?.source_url, SOURCE_URL);
    assert.equal(items.find((d) => d.name === UPLOAD_NAME)?.source_url, null, 'an upload without one has none');
  });

  await step('test retrieval finds the shipping passage', async () => {
    const box = page.getByRole('search', { name: 'Test retrieval' });
    await box.getByLabel('Question').fill('how long does shipping take');
    await box.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('region', { name: 'Retrieval results' });
    await results.waitFor();
    await results.getByText('shipping.md', { exact: false }).first().waitFor();
    await results.getByText('How long does shipping take?').waitFor();
    const text = await results.textContent();
    assert.match(text, /Shipping/);
    await shot('knowledge.png');
  });

  await step('a new FAQ is added and moved up', async () => {
    await page.getByRole('navigation', { name: 'Bot sections' }).getByRole('link', { name: 'FAQ' }).click();
    await page.waitForURL(`**/app/bots/${botId}/faqs`);
    const list = page.getByRole('list', { name: 'FAQs' });
    await list.waitFor();
    const before = await list.getByRole('listitem').count();
    assert.ok(before >= 5, `seeded FAQs: ${before}`);

    await page.getByRole('button', { name: 'New FAQ' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New FAQ' });
    await dialog.getByLabel('Question').fill(NEW_QUESTION);
    await dialog.getByLabel('Answer').fill('No. Trailhead gift cards never expire.');
    await dialog.getByRole('button', { name: 'Add FAQ' }).click();
    await dialog.waitFor({ state: 'detached' });
    await list.getByText(NEW_QUESTION).waitFor();
    assert.equal(await list.getByRole('listitem').count(), before + 1);
    assert.match((await list.getByRole('listitem').last().textContent()) ?? '', /Do gift cards expire\?/);

    const up = page.getByRole('button', { name: `Move up: ${NEW_QUESTION}` });
    await up.focus();
    const reordered = () => page.waitForResponse((r) => r.url().endsWith('/faqs/reorder') && r.request().method() === 'POST');
    let answered = reordered();
    await page.keyboard.press('Enter');
    assert.equal((await answered).status(), 200);
    await page.waitForFunction(
      (q) => {
        const items = [...document.querySelectorAll('ol[aria-label="FAQs"] > li')];
        return items.length > 1 && items[items.length - 2].textContent.includes(q);
      },
      NEW_QUESTION,
    );
    // Focus stays on the moved FAQ's button, so pressing again keeps moving it.
    await page.waitForFunction((q) => {
      const b = document.querySelector(`button[aria-label="Move up: ${q}"]`);
      return b && document.activeElement === b && !b.hasAttribute('aria-disabled');
    }, NEW_QUESTION);
    answered = reordered();
    await page.keyboard.press('Enter');
    assert.equal((await answered).status(), 200);
    await page.waitForFunction(
      (q) => {
        const items = [...document.querySelectorAll('ol[aria-label="FAQs"] > li')];
        return items.length > 2 && items[items.length - 3].textContent.includes(q);
      },
      NEW_QUESTION,
    );
    const { items } = await apiGet(`/api/v1/bots/${botId}/faqs`);
    const ordered = [...items].sort((a, b) => a.position - b.position);
    assert.equal(ordered[ordered.length - 3]?.question, NEW_QUESTION, 'the server has the new order');
    await shot('faqs.png');
  });

  await step('the page threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(cspViolations, []);
  });
});

// Contacts and canned replies against a real `parley serve`: a visitor with a verified
// email asks for a bulk order through the widget API and becomes a contact; the Contacts
// page lists them, filters by lead (in the address and the CSV export link, which
// downloads), and the contact's page shows the score's signals and links the conversation
// to the inbox. Then canned replies are created, refused on a taken shortcut, edited and
// deleted.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { userHash } from '../lib/widget.mjs';

const DEMO_BOT = 'Trailhead Assistant';
const EMAIL = 'jo@acme-corp.com';
const LEAD = [
  "Hi, I'm Jo from Acme Corp. Do you sell tents in bulk?",
  "We need 500 units by next month, budget $20k, I'm at acme-corp.com",
];
const BODY = 'Hi {{visitor.name}}, standard shipping takes 3 to 5 business days.';
const EDITED = 'Hi {{visitor.name}}, express shipping takes 2 business days. {{agent.name}}';

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


const nav = (name) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

test('contacts and canned replies', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  let conversationId;
  let contact;

  await step('log in; a visitor with a verified email asks for a bulk order', async () => {
    await page.goto('/app/login');
    await page.getByLabel('Email').fill(ADMIN_EMAIL);
    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/app/bots');
    const { items } = await ctx.apiGet('/api/v1/bots');
    const bot = items.find((b) => b.name === DEMO_BOT);
    assert.ok(bot?.public_key && bot.identity_secret, 'the demo bot, with its identity secret for the owner');
    const started = await widget('POST', '/widget/v1/conversations', {
      bot: bot.public_key,
      body: { email: EMAIL, user_hash: userHash(bot.identity_secret, EMAIL) },
    });
    conversationId = started.conversation.id;
    for (const text of LEAD) {
      await widget('POST', `/widget/v1/conversations/${conversationId}/messages`, {
        bot: bot.public_key,
        session: started.session_token,
        body: { text },
      });
    }
    const { items: contacts } = await eventually(
      () => ctx.apiGet('/api/v1/contacts'),
      (list) => list.items.some((c) => c.last_conversation_id === conversationId),
    );
    contact = contacts.find((c) => c.last_conversation_id === conversationId);
    assert.ok(contact, `the visitor is a contact: ${JSON.stringify(contacts)}`);
    assert.ok(contact.lead_score > 0, `a bulk order scores: ${contact.lead_score}`);
  });

  await step('the Contacts page lists them with their lead score and last seen', async () => {
    await nav('Contacts').click();
    await page.waitForURL('**/app/contacts');
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor();
    const table = page.getByRole('table', { name: 'Contacts' });
    const row = table.getByRole('row').filter({ has: page.locator(`a[href$="/contacts/${contact.id}"]`) });
    await row.waitFor();
    const badge = { hot: 'Hot lead', warm: 'Warm lead', cold: 'Cold lead' }[contact.lead_priority];
    await row.getByText(`${badge} · ${contact.lead_score}`).waitFor();
    if (contact.email) await row.getByText(contact.email).first().waitFor();
    await row.locator('time').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'), '/api/v1/contacts/export.csv');
    await ctx.shot('contacts.png');
  });

  await step('filtering by lead goes into the address and the export link, which downloads CSV', async () => {
    await page.getByLabel('Lead', { exact: true }).selectOption(contact.lead_priority);
    await page.waitForURL((url) => url.pathname === '/app/contacts' && url.search === `?lead=${contact.lead_priority}`);
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.equal(href, `/api/v1/contacts/export.csv?lead=${contact.lead_priority}`);
    await page.getByRole('table', { name: 'Contacts' }).locator(`a[href$="/contacts/${contact.id}"]`).waitFor();

    const res = await page.request.get(href);
    assert.equal(res.status(), 200, `GET ${href} -> ${res.status()}`);
    assert.match(res.headers()['content-type'] ?? '', /text\/csv/);
    const lines = (await res.text()).trim().split(/\r?\n/);
    assert.ok(lines.length >= 2, `a header and at least our contact: ${lines.length} lines`);
    if (contact.email) assert.ok(lines.some((l) => l.includes(contact.email)), 'our contact is in the file');

    // A lead the contact is not: nobody matches, and the page says so.
    const other = contact.lead_priority === 'hot' ? 'cold' : 'hot';
    const { items } = await ctx.apiGet(`/api/v1/contacts?lead=${other}`);
    await page.getByLabel('Lead', { exact: true }).selectOption(other);
    await page.waitForURL((url) => url.pathname === '/app/contacts' && url.search === `?lead=${other}`);
    if (items.length === 0) {
      await page.getByText('No contacts match these filters').waitFor();
      await page.getByRole('button', { name: 'Clear filters' }).last().click();
    } else {
      await page.getByRole('button', { name: 'Clear filters' }).first().click();
    }
    await page.waitForURL((url) => url.pathname === '/app/contacts' && url.search === '');
  });

  await step('the contact page shows the signals behind the score and links the conversation', async () => {
    const detail = await ctx.apiGet(`/api/v1/contacts/${contact.id}`);
    await page.getByRole('table', { name: 'Contacts' }).locator(`a[href$="/contacts/${contact.id}"]`).click();
    await page.waitForURL(`**/app/contacts/${contact.id}`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const lead = page.getByRole('region', { name: 'Lead', exact: true });
    assert.equal(await lead.getByRole('meter', { name: 'Lead score' }).getAttribute('aria-valuenow'), String(contact.lead_score));
    if (detail.signals.length > 0) {
      const breakdown = lead.getByRole('table', { name: 'Lead score breakdown' });
      assert.equal(await breakdown.locator('tbody tr').count(), detail.signals.length);
      for (const s of detail.signals) if (s.evidence) await breakdown.getByText(s.evidence, { exact: false }).first().waitFor();
    }
    const link = page.getByRole('list', { name: 'Conversations' }).locator(`a[href$="/inbox/${conversationId}"]`);
    await link.waitFor();
    await ctx.shot('contact.png');
    await link.click();
    await page.waitForURL(`**/app/inbox/${conversationId}`);
  });

  const table = () => page.getByRole('table', { name: 'Canned replies' });

  await step('a canned reply is created, with the placeholder help in view', async () => {
    await nav('Canned replies').click();
    await page.waitForURL('**/app/canned-replies');
    await page.getByText('No canned replies yet').waitFor();
    const help = page.getByRole('region', { name: 'Placeholders' });
    for (const token of ['{{visitor.name}}', '{{visitor.email}}', '{{agent.name}}']) await help.getByText(token, { exact: true }).waitFor();

    await page.getByRole('button', { name: 'New reply' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New canned reply' });
    await dialog.getByLabel('Shortcut').fill('/Shipping');
    await dialog.getByLabel('Reply', { exact: true }).fill(BODY);
    await dialog.getByRole('region', { name: 'Preview' }).getByText(/Hi Jo Miller, standard shipping/).waitFor();
    await dialog.getByRole('button', { name: 'Add reply' }).click();
    await dialog.waitFor({ state: 'detached' });
    await table().getByText('/shipping', { exact: true }).waitFor();
    const replies = await ctx.apiGet('/api/v1/canned-replies');
    assert.deepEqual(
      replies.map((r) => [r.shortcut, r.body]),
      [['shipping', BODY]],
    );
  });

  await step('a taken shortcut is refused on its field', async () => {
    await page.getByRole('button', { name: 'New reply' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'New canned reply' });
    await dialog.getByLabel('Shortcut').fill('shipping');
    await dialog.getByLabel('Reply', { exact: true }).fill('Another answer');
    await dialog.getByRole('button', { name: 'Add reply' }).click();
    await dialog.getByText('/shipping is taken: pick another shortcut, or edit that reply.').waitFor();
    assert.equal(await dialog.getByLabel('Shortcut').getAttribute('aria-invalid'), 'true');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await ctx.apiGet('/api/v1/canned-replies')).length, 1);
  });

  await step('editing changes the body', async () => {
    await page.getByRole('button', { name: 'Edit /shipping' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit /shipping' });
    assert.equal(await dialog.getByLabel('Reply', { exact: true }).inputValue(), BODY);
    await dialog.getByLabel('Reply', { exact: true }).fill(EDITED);
    await dialog.getByRole('button', { name: 'Save reply' }).click();
    await dialog.waitFor({ state: 'detached' });
    await table().getByText(/express shipping takes 2 business days/).waitFor();
    const [saved] = await ctx.apiGet('/api/v1/canned-replies');
    assert.equal(saved.body, EDITED);
    await ctx.shot('canned-replies.png');
  });

  await step('deleting asks first, then removes it', async () => {
    await page.getByRole('button', { name: 'Delete /shipping' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete /shipping?' });
    await dialog.getByRole('button', { name: 'Delete reply' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('No canned replies yet').waitFor();
    assert.deepEqual(await ctx.apiGet('/api/v1/canned-replies'), []);
  });

  await step('the pages threw no uncaught errors and broke no CSP rule', () => {
    assert.deepEqual(ctx.pageErrors, []);
    assert.deepEqual(ctx.cspViolations, []);
  });
});

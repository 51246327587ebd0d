// The team in the browser against a real `parley serve`: with a local SMTP sink
// (lib/smtp.mjs) as the server's mail server, an admin invites a colleague, the email
// arrives, the link opens in a fresh browser (no cookies), the colleague sets a password and
// lands in the app; the admin changes their role and deactivates them, which signs them out
// at once; a forgotten password is reset through the emailed link; the workspace's settings
// are saved. Without SMTP, the invitation dialog shows the link to copy, and it works too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../lib/browser.mjs';
import { openDashboard, stepper } from '../lib/harness.mjs';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from '../lib/server.mjs';
import { startSmtpSink } from '../lib/smtp.mjs';

const NEW_EMAIL = 'colleague@example.org';
const NEW_PASSWORD = 'colleague long password';
const RESET_PASSWORD = 'a fresh admin passphrase';

/** The first link in an email's text that goes to `path`. */
function linkIn(text, path) {
  const found = new RegExp(`https?://\\S+${path}\\?token=[A-Za-z0-9_-]+`).exec(text);
  assert.ok(found, `a ${path} link in: ${text}`);
  return found[0];
}

async function logIn(page, email, password) {
  await page.goto('/app/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL('**/app/bots');
}

/** A second browser context: another person, with no cookies of the first. */
async function freshPage(ctx) {
  const context = await ctx.page.context().browser().newContext({ viewport: { width: 1280, height: 800 }, baseURL: ctx.server.baseUrl });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

async function invite(page, email, role) {
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite a member' });
  await dialog.getByLabel('Email').fill(email);
  await dialog.getByLabel('Role').selectOption(role);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
}

let smtp;
let ctx;

before(async () => {
  smtp = await startSmtpSink();
  ctx = await openDashboard({ env: { PARLEY_SMTP_URL: smtp.url, PARLEY_SMTP_FROM: 'Parley <parley@example.org>' } });
});

after(async () => {
  await ctx?.close();
  await smtp?.close();
});

test('members: invite by email, accept, change role, deactivate, reset a password', { timeout: 180_000 }, async (t) => {
  const step = stepper(t);
  const page = ctx.page;
  let other;

  await step('the admin opens Members: themselves, no pending invitations', async () => {
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page.waitForURL('**/app/members');
    await page.getByRole('table', { name: 'Members' }).getByText(ADMIN_EMAIL).waitFor();
    await page.getByText('No pending invitations').waitFor();
  });

  await step('an invitation goes out by email and waits as pending', async () => {
    await invite(page, NEW_EMAIL, 'agent');
    const sent = page.getByRole('dialog', { name: 'Invitation sent' });
    await sent.getByText(`An email with a link to join is on its way to ${NEW_EMAIL}`).waitFor();
    await ctx.shot('members-invite-sent.png');
    await sent.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('table', { name: 'Pending invitations' }).getByText(NEW_EMAIL).waitFor();
    await ctx.shot('members.png');
  });

  await step('the email arrives; its link opens in a fresh browser and the colleague joins', async () => {
    const mail = await smtp.waitFor((m) => m.to.includes(NEW_EMAIL), 15_000);
    assert.match(mail.subject, /^You are invited to /);
    assert.equal(mail.from, 'parley@example.org');
    assert.ok(mail.messageId, 'a Message-ID');
    const link = linkIn(mail.text, '/app/accept-invite');
    other = await freshPage(ctx);
    await other.goto(link);
    await other.getByRole('heading', { name: /^Join / }).waitFor();
    await other.getByText(NEW_EMAIL).waitFor();
    await other.getByLabel('Your name').fill('Casey Colleague');
    await other.getByLabel('Password', { exact: true }).fill('short');
    await other.getByLabel('Confirm password').fill('short');
    await other.getByRole('button', { name: 'Join workspace' }).click();
    await other.getByText('Use at least 10 characters').waitFor();
    await other.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await other.getByLabel('Confirm password').fill(NEW_PASSWORD);
    await other.screenshot({ path: new URL('../screenshots/members-accept.png', import.meta.url).pathname, animations: 'disabled' });
    await other.getByRole('button', { name: 'Join workspace' }).click();
    await other.waitForURL('**/app/inbox');
    await other.getByText(NEW_EMAIL).waitFor();
  });

  await step('the admin sees the new member, makes them an admin', async () => {
    await page.reload();
    const table = page.getByRole('table', { name: 'Members' });
    await table.getByText('Casey Colleague').waitFor();
    await page.getByText('No pending invitations').waitFor();
    await table.getByLabel(`Role of ${NEW_EMAIL}`).selectOption('admin');
    await page.getByText('Casey Colleague is now admin').waitFor();
    const members = await ctx.apiGet('/api/v1/members');
    assert.equal(members.items.find((m) => m.email === NEW_EMAIL).role, 'admin');
  });

  await step('deactivating signs the colleague out at once', async () => {
    await page.getByRole('button', { name: `Deactivate ${NEW_EMAIL}` }).click();
    const confirm = page.getByRole('dialog', { name: /^Deactivate Casey Colleague/ });
    await confirm.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('table', { name: 'Members' }).getByText('Deactivated').waitFor();
    await ctx.shot('members-deactivated.png');
    const me = await other.request.get('/api/v1/auth/me');
    assert.equal(me.status(), 401, 'their session ended');
    await other.reload();
    await other.waitForURL('**/app/login**');
  });

  await step('a forgotten password is reset through the emailed link', async () => {
    await other.getByRole('link', { name: 'Forgot password?' }).click();
    await other.waitForURL('**/app/reset-password');
    await other.getByLabel('Email').fill(ADMIN_EMAIL);
    await other.getByRole('button', { name: 'Send reset link' }).click();
    await other.getByText(`If ${ADMIN_EMAIL} has a Parley account`).waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes(ADMIN_EMAIL) && /Reset/.test(m.subject), 15_000);
    await other.goto(linkIn(mail.text, '/app/reset-password'));
    await other.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await other.getByLabel('New password').fill(RESET_PASSWORD);
    await other.getByLabel('Confirm password').fill(RESET_PASSWORD);
    await other.screenshot({ path: new URL('../screenshots/members-reset.png', import.meta.url).pathname, animations: 'disabled' });
    await other.getByRole('button', { name: 'Save password' }).click();
    await other.waitForURL('**/app/inbox');
    await other.getByText(ADMIN_EMAIL).waitFor();
    const old = await page.request.get('/api/v1/auth/me');
    assert.equal(old.status(), 401, 'the reset ended the other sessions');
    // The same link does not work twice.
    await other.goto(linkIn(mail.text, '/app/reset-password'));
    await other.getByLabel('New password').fill('yet another passphrase');
    await other.getByLabel('Confirm password').fill('yet another passphrase');
    await other.getByRole('button', { name: 'Save password' }).click();
    await other.getByText('this reset link was already used').waitFor();
  });

  await step('workspace settings: a time zone and a language are saved', async () => {
    await other.goto('/app/settings');
    await other.getByRole('heading', { name: 'Workspace settings' }).waitFor();
    await other.getByLabel('Time zone').selectOption('Europe/Paris');
    await other.getByLabel('Default language of bots').fill('english');
    await other.getByRole('button', { name: 'Save settings' }).click();
    await other.getByText('Use a language code such as en or pt-BR').waitFor();
    await other.getByLabel('Default language of bots').fill('fr');
    await other.getByRole('button', { name: 'Save settings' }).click();
    await other.getByText('Workspace settings saved').waitFor();
    await other.screenshot({ path: new URL('../screenshots/workspace-settings.png', import.meta.url).pathname, animations: 'disabled' });
    const saved = await (await other.request.get('/api/v1/workspace')).json();
    assert.equal(saved.time_zone, 'Europe/Paris');
    assert.equal(saved.bot_language, 'fr');
  });

  await other?.context().close();
  assert.deepEqual(ctx.pageErrors, []);
  assert.deepEqual(ctx.cspViolations, []);
});

test('members: without SMTP the invitation link is shown to copy, and it works', { timeout: 120_000 }, async (t) => {
  const step = stepper(t);
  const plain = await openDashboard({ env: { PARLEY_ALLOW_WORKSPACE_CREATION: 'true' } });
  t.after(() => plain.close());
  const page = plain.page;
  let link;

  await step('the invite dialog shows the link', async () => {
    await logIn(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await page.goto('/app/members');
    await page.getByText('Email is not set up on this server (PARLEY_SMTP_URL)').waitFor();
    await invite(page, 'copy@example.org', 'admin');
    const dialog = page.getByRole('dialog', { name: 'Copy the invitation link' });
    link = (await dialog.getByLabel('Invitation link', { exact: true }).textContent()).trim();
    assert.match(link, /\/app\/accept-invite\?token=/);
    await plain.shot('members-copy-link.png');
    await dialog.getByRole('button', { name: 'Done' }).click();
  });

  await step('the copied link signs the new admin in', async () => {
    const other = await freshPage(plain);
    await other.goto(link);
    await other.getByLabel('Your name').fill('Copy Person');
    await other.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
    await other.getByLabel('Confirm password').fill(NEW_PASSWORD);
    await other.getByRole('button', { name: 'Join workspace' }).click();
    await other.waitForURL('**/app/inbox');
    await other.getByText('copy@example.org').waitFor();
    // Used once: the same link now explains itself.
    await other.goto(link);
    await other.getByText('this invitation was already accepted').waitFor();
    await other.context().close();
  });
  await step('an owner creates a second workspace and switches to it in the header', async () => {
    await page.goto('/app/settings');
    const card = page.getByRole('region', { name: 'Your workspaces' });
    await card.getByLabel('New workspace').fill('Second Shop');
    await card.getByRole('button', { name: 'Create workspace' }).click();
    await page.getByText('Workspace "Second Shop" created').waitFor();
    await card.getByRole('button', { name: 'Switch to Second Shop' }).waitFor();
    await page.reload();
    const switcher = page.getByRole('banner').getByLabel('Workspace');
    await switcher.waitFor();
    await page.getByRole('region', { name: 'Your workspaces' }).getByRole('button', { name: 'Switch to Second Shop' }).waitFor();
    await plain.shot('workspace-switcher.png');
    await switcher.selectOption({ label: 'Second Shop' });
    await page.waitForURL('**/app/settings');
    await page.getByRole('banner').getByLabel('Workspace').waitFor();
    await eventually(
      async () => (await plain.apiGet('/api/v1/auth/me')).workspace.name,
      (name) => name === 'Second Shop',
    );
    await page.getByLabel('Name', { exact: true }).waitFor();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Second Shop');
    const bots = await plain.apiGet('/api/v1/bots');
    assert.equal(bots.items.length, 0, 'a fresh workspace has no bots');
  });
  assert.deepEqual(plain.pageErrors, []);
});

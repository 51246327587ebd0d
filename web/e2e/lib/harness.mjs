// What every dashboard browser test needs: a real `parley serve`, a Chromium page
// logged nowhere yet, page-error and CSP-violation capture, screenshots, and steps
// that skip once an earlier one failed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from './browser.mjs';
import { startServer } from './server.mjs';

const SCREENSHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../screenshots');

/** Starts the server (with `env` added to its environment) and a 1280x800 page on it. */
export async function openDashboard({ env = {} } = {}) {
  const server = await startServer({ env });
  let browser;
  try {
    browser = await launchBrowser();
  } catch (err) {
    // Without this, the server outlives the failed test and the run never ends.
    await server.stop();
    throw err;
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: server.baseUrl });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const pageErrors = [];
  const cspViolations = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // The server sends a strict Content-Security-Policy with the dashboard.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
  });
  return {
    server,
    page,
    pageErrors,
    cspViolations,
    /** Saves a screenshot with CSS animations finished, so it shows the settled page. */
    async shot(name) {
      await fs.promises.mkdir(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, name), animations: 'disabled' });
    },
    /** The admin API, as the logged-in browser (same cookies). */
    async apiGet(p) {
      const res = await page.request.get(p);
      assert.equal(res.status(), 200, `GET ${p} -> ${res.status()}: ${await res.text()}`);
      return res.json();
    },
    /** An admin API write as the logged-in browser (cookie plus the session's CSRF token). */
    async apiSend(method, p, body) {
      const me = await this.apiGet('/api/v1/auth/me');
      const res = await page.request.fetch(p, {
        method,
        headers: { 'X-CSRF-Token': me.csrf_token, 'Content-Type': 'application/json' },
        data: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      assert.ok(res.ok(), `${method} ${p} -> ${res.status()}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    /** The widget API as a visitor's browser calls it (no cookies): JSON `body` or a `form`. */
    async widget(method, p, { bot, session, body, form } = {}) {
      const res = await fetch(`${server.baseUrl}${p}`, {
        method,
        headers: {
          ...(form ? {} : { 'Content-Type': 'application/json' }),
          'X-Parley-Bot': bot,
          ...(session ? { 'X-Parley-Session': session } : {}),
        },
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await res.text();
      assert.ok(res.ok, `${method} ${p} -> ${res.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/**
 * The steps build on each other: once one fails, the rest are reported as
 * skipped instead of failing with confusing follow-on errors.
 */
export function stepper(t) {
  let failed = null;
  return async (name, fn) =>
    t.test(name, async (st) => {
      if (failed) {
        st.skip(`an earlier step failed: ${failed}`);
        return;
      }
      try {
        await fn(st);
      } catch (e) {
        failed = name;
        throw e;
      }
    });
}

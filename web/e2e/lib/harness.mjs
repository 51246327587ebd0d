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

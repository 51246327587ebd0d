// Starts a real `parley serve` for a test: free port, fresh data directory,
// output captured to a log file, bounded wait for readiness, clean shutdown.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-results');
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'e2e-Correct-Horse-42';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function binaryPath() {
  return process.env.PARLEY_BIN || path.join(REPO_ROOT, 'target', 'debug', 'parley');
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server and resolves once GET /health/ready answers 200.
 * Returns { baseUrl, port, dataDir, logPath, child, stop }.
 */
export async function startServer({ env = {}, readyTimeoutMs = READY_TIMEOUT_MS } = {}) {
  const bin = binaryPath();
  if (!fs.existsSync(bin)) {
    throw new Error(`Parley binary not found at ${bin}: build it (cargo build) or set PARLEY_BIN`);
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'parley-e2e-'));
  await fs.promises.mkdir(RESULTS_DIR, { recursive: true });
  const logPath = path.join(RESULTS_DIR, `server-${port}.log`);
  const log = fs.openSync(logPath, 'w');

  const child = spawn(bin, ['serve'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PARLEY_BIND: `127.0.0.1:${port}`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_ADMIN_EMAIL: ADMIN_EMAIL,
      PARLEY_ADMIN_PASSWORD: ADMIN_PASSWORD,
      PARLEY_LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const done = await Promise.race([exitPromise, sleep(STOP_TIMEOUT_MS).then(() => null)]);
      if (!done) {
        child.kill('SIGKILL');
        await Promise.race([exitPromise, sleep(STOP_TIMEOUT_MS)]);
      }
    }
    await fs.promises.rm(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      throw new Error(
        `parley serve exited early (code ${exited.code}, signal ${exited.signal}). Log ${logPath}:\n${tail(logPath)}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/health/ready`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return { baseUrl, port, dataDir, logPath, child, stop };
      last = `status ${res.status}: ${(await res.text()).slice(0, 200)}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`parley serve not ready after ${readyTimeoutMs} ms (last: ${last}). Log ${logPath}:\n${tail(logPath)}`);
}

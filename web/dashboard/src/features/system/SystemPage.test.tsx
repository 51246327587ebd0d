// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';
import type { AlertRules, SystemView } from './contract';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const now = new Date().toISOString();
const SYSTEM: SystemView = {
  now,
  nodes: [{ id: 'n1', version: '0.1.0', hostname: 'web-1', started_at: now, last_seen_at: now, status: 'up', workers: 4, workers_busy: 1, this_node: true }],
  database: { backend: 'sqlite', status: 'up', latency_ms: 0.4, size_bytes: 5 * 1024 * 1024, pool: { in_use: 1, idle: 1, max: 2 }, last_checkpoint_at: null },
  queue: {
    queued: 3,
    running: 1,
    dead: 2,
    oldest_due_age_secs: 95,
    by_kind: [{ kind: 'knowledge.ingest', queued: 3, running: 1, dead: 1, oldest_due_age_secs: 95 }],
    dead_jobs: [{ id: 'j1', kind: 'knowledge.ingest', attempts: 5, last_error: 'the PDF is encrypted', failed_at: now }],
    dead_elsewhere: 1,
  },
  outbox: { undispatched: 0, oldest_age_secs: 0 },
  providers: [{ bot_id: 'b1', bot_name: 'Support', model: 'gpt-4o-mini', requests: 20, errors: 5, p50_ms: 1000, p95_ms: 5000, last_error: 'model answered 503', last_error_at: now }],
  integrations: [],
  failed_executions: [{ id: 'x1', workflow_id: 'w1', workflow_name: 'Refunds', event_name: 'message.received', error: 'HubSpot refused', failed_at: now }],
  firing_alerts: [{ alert_key: 'provider:b1', kind: 'provider_errors', summary: 'The model of bot "Support" failed 5 of 20 calls', fired_at: now }],
};

const RULES: AlertRules = {
  rules: [
    { kind: 'integration_disconnected', enabled: true, threshold: null, min_count: null },
    { kind: 'workflow_failures', enabled: true, threshold: 20, min_count: 5 },
  ],
  repeat_hours: 4,
  email: { enabled: true, recipients: [] },
  slack: { enabled: false, channel: '' },
  webhook: { enabled: false, url: '' },
  webhook_secret: null,
};

describe('system page', () => {
  it('shows nodes, the queue with dead letters, providers and failed executions, and retries a job', async () => {
    const { calls } = renderApp('/system', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/system': () => json(200, SYSTEM),
      'POST /api/v1/system/jobs/j1/retry': () => new Response(null, { status: 204 }),
    });
    const nodes = await screen.findByRole('table', { name: 'Nodes' });
    expect(within(nodes).getByText('web-1')).toBeTruthy();
    expect(screen.getByText('5.0 MB')).toBeTruthy();
    expect(screen.getAllByText('1 min').length).toBe(2);
    expect(screen.getByText('the PDF is encrypted')).toBeTruthy();
    expect(screen.getByText(/1 more belong to other workspaces/)).toBeTruthy();
    expect(screen.getByText('5 (25%)')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Refunds' }).getAttribute('href')).toContain('/workflows/executions/x1');
    expect(screen.getByRole('alert', { name: 'Alerts firing' }).textContent).toContain('failed 5 of 20 calls');
    expect(screen.getByText(/Nothing connected/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Retry the knowledge.ingest job' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/system/jobs/j1/retry')).toBe(true));
  });

  it('edits alert rules and shows the server’s field errors', async () => {
    renderApp('/system?tab=alerts', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/alerts/rules': () => json(200, RULES),
      'GET /api/v1/alerts': () => json(200, { items: [{ id: 'e1', alert_key: 'integration:slack', kind: 'integration_disconnected', event: 'resolved', summary: 'Slack needs reconnecting', created_at: now }] }),
      'PUT /api/v1/alerts/rules': () => errorBody(422, 'invalid', 'invalid input', { 'rules[1].threshold': 'must be a percentage above 0 and at most 100' }),
    });
    expect(await screen.findByText('Slack needs reconnecting')).toBeTruthy();
    expect(screen.getByText('Resolved')).toBeTruthy();
    const threshold = screen.getByLabelText('A workflow’s executions fail: threshold');
    fireEvent.change(threshold, { target: { value: '150' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save alert rules' }));
    expect(await screen.findByText('must be a percentage above 0 and at most 100')).toBeTruthy();
  });
});

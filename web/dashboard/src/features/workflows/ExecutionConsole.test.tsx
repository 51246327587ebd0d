// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';
import type { ExecutionDetail, ExecutionView, StepView } from './contract';

afterEach(cleanup);

/** A stand-in EventSource the test drives by hand (features keep their own test helpers). */
class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  listeners = new Map<string, Array<(e: { data: string }) => void>>();
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  removeEventListener() {}
  close() {
    this.readyState = 2;
  }
  open() {
    this.readyState = 1;
    act(() => this.onopen?.());
  }
  emit(type: string, data: unknown) {
    act(() => this.listeners.get(type)?.forEach((fn) => fn({ data: JSON.stringify(data) })));
  }
}
beforeEach(() => {
  FakeEventSource.all = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});

const W = '0190a0b0-0000-7000-8000-0000000000f1';
const X1 = '0190a0b0-0000-7000-8000-0000000000e1';
const X2 = '0190a0b0-0000-7000-8000-0000000000e2';

const execution = (id: string, status: ExecutionView['status']): ExecutionView => ({
  id,
  workflow_id: W,
  workflow_version_id: 'v1',
  event_id: 'ev',
  event_name: 'sentiment.negative',
  event_payload: {},
  conversation_id: null,
  status,
  state: 'slack',
  error: null,
  created_at: '2026-01-01T10:00:00Z',
  updated_at: '2026-01-01T10:00:00Z',
  finished_at: status === 'completed' ? '2026-01-01T10:00:02Z' : null,
});

const step = (seq: number, node_id: string, node_type: string, status: StepView['status'], action: string | null = null): StepView => ({
  id: `s${seq}`,
  seq,
  node_id,
  node_type,
  action,
  status,
  attempt: 1,
  branch: null,
  input: action ? { channel: '#sales', text: 'Upset visitor' } : undefined,
  output: undefined,
  error: null,
  idempotency_key: 'k',
  run_after: null,
  started_at: '2026-01-01T10:00:00Z',
  finished_at: status === 'done' ? '2026-01-01T10:00:01Z' : null,
});

const GRAPH = {
  nodes: [
    { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'sentiment.negative' } },
    { id: 'slack', type: 'action', position: { x: 0, y: 150 }, data: { action: 'slack_message', params: { channel: 'sales', text: 'Upset visitor' } } },
    { id: 'end', type: 'end', position: { x: 0, y: 300 }, data: {} },
  ],
  edges: [],
};

const WORKFLOW = {
  id: W,
  name: 'Escalate',
  description: '',
  status: 'active',
  version: 1,
  trigger_event: 'sentiment.negative',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  graph: GRAPH,
  statechart: {},
  missing_integrations: [],
  signing_secret: null,
};

describe('an execution’s steps', () => {
  it('shows an unknown step with Mark as done and Retry, resolves it after confirming, then shows the run going on', async () => {
    let detail: ExecutionDetail = { execution: execution(X1, 'running'), steps: [step(1, 't', 'trigger', 'done'), step(2, 'slack', 'action', 'unknown', 'slack_message')] };
    const { calls } = renderApp(`/workflows/executions/${X1}`, {
      'GET /api/v1/auth/me': () => json(200, ME),
      [`GET /api/v1/executions/${X1}`]: () => json(200, detail),
      [`GET /api/v1/workflows/${W}/versions`]: () => json(200, { items: [{ id: 'v1', version: 1, graph: GRAPH, statechart: {}, integrations: ['slack'], created_by: null, created_at: '2026-01-01T00:00:00Z' }] }),
      [`GET /api/v1/workflows/${W}`]: () => json(200, WORKFLOW),
      [`POST /api/v1/executions/${X1}/resolve`]: () => json(200, { ok: true }),
    });
    const steps = await screen.findByRole('list', { name: 'Steps' });
    await within(steps).findByText('Post to #sales');
    expect(within(steps).getByText('Outcome unknown')).toBeTruthy();
    fireEvent.click(within(steps).getByRole('button', { name: 'Mark as done' }));
    const dialog = await screen.findByRole('dialog', { name: 'Mark the step as done?' });
    detail = { execution: execution(X1, 'completed'), steps: [step(1, 't', 'trigger', 'done'), step(2, 'slack', 'action', 'done', 'slack_message'), step(3, 'end', 'end', 'done')] };
    fireEvent.click(within(dialog).getByRole('button', { name: 'Mark as done' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path.endsWith('/resolve'))).toBe(true));
    const post = calls.find((c) => c.path.endsWith('/resolve'))!;
    expect(post.body).toEqual({ action: 'done' });
    expect(post.headers.get('X-CSRF-Token')).toBe(ME.csrf_token);
    await screen.findAllByText('Completed');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });
});

describe('the execution console', () => {
  it('adds a run it hears about and updates a known one, without reloading the page', async () => {
    let page = [execution(X1, 'running')];
    const { calls } = renderApp('/workflows/executions?status=', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/workflows': () => json(200, { items: [{ ...WORKFLOW, last_run_at: null, runs_7d: 0, failed_7d: 0 }] }),
      'GET /api/v1/executions': () => json(200, { items: page, next_before: null }),
      [`GET /api/v1/executions/${X1}`]: () => json(200, { execution: execution(X1, 'completed'), steps: [] }),
    });
    const table = await screen.findByRole('table', { name: 'Executions' });
    await within(table).findByText('Running');
    await waitFor(() => expect(FakeEventSource.all.some((s) => s.url.endsWith('/api/v1/stream') && s.listeners.has('execution.updated'))).toBe(true));
    const source = FakeEventSource.all.find((s) => s.listeners.has('execution.updated'))!;
    source.open();
    await screen.findByText('Live');

    // A run the list does not have: the first page is fetched again and it appears on top.
    page = [execution(X2, 'running'), execution(X1, 'running')];
    source.emit('execution.updated', { execution_id: X2, workflow_id: W, status: 'running', state: 't', error: null });
    await waitFor(() => expect(within(table).getAllByText('Running')).toHaveLength(2));
    // A known run finishing: its row changes and its end time is fetched.
    source.emit('execution.updated', { execution_id: X1, workflow_id: W, status: 'completed', state: 'end', error: null });
    await within(table).findByText('Completed');
    await within(table).findByText('2.0 s');
    expect(calls.filter((c) => c.path === '/api/v1/executions').length).toBe(2);
  });
});

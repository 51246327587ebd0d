import { describe, expect, it } from 'vitest';
import { applyEvent, executionsQuery, filtersFromSearch, filtersToSearch, mergeNewest } from './executions';
import type { ExecutionView } from './contract';
import { resolveArea } from './WorkflowsArea';

const run = (id: string, status: ExecutionView['status'] = 'running'): ExecutionView => ({
  id,
  workflow_id: 'w1',
  workflow_version_id: 'v1',
  event_id: 'e',
  event_name: 'sentiment.negative',
  event_payload: {},
  conversation_id: null,
  status,
  state: 't',
  error: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  finished_at: null,
});

describe('the workflows area', () => {
  it('routes its sub-paths, the console before a workflow id', () => {
    expect(resolveArea('/workflows')).toEqual({ view: 'list' });
    expect(resolveArea('/workflows/executions')).toEqual({ view: 'executions' });
    expect(resolveArea('/workflows/executions/x1')).toEqual({ view: 'execution', id: 'x1' });
    expect(resolveArea('/workflows/w1')).toEqual({ view: 'builder', id: 'w1' });
    expect(resolveArea('/workflows/w1/runs')).toEqual({ view: 'runs', id: 'w1' });
    expect(resolveArea('/workflows/w1/nope')).toEqual({ view: 'not-found' });
  });

  it('keeps console filters in the address and turns them into the API query', () => {
    const f = filtersFromSearch('?status=failed&range=24h&event=sentiment.negative&bogus=1');
    expect(f).toEqual({ status: 'failed', workflow: '', event: 'sentiment.negative', conversation: '', range: '24h' });
    expect(filtersToSearch(f)).toBe('?status=failed&event=sentiment.negative&range=24h');
    expect(filtersFromSearch('?status=nope').status).toBe('');
    const q = executionsQuery(f, undefined, Date.parse('2026-01-02T00:00:00Z'));
    expect(q).toMatchObject({ status: 'failed', event: 'sentiment.negative', from: '2026-01-01T00:00:00.000Z' });
  });

  it('applies live events to loaded rows and says when one is missing', () => {
    const items = [run('0190-b'), run('0190-a')];
    const hit = applyEvent(items, { execution_id: '0190-a', workflow_id: 'w1', status: 'failed', state: '$failed', error: 'boom' });
    expect(hit.missing).toBe(false);
    expect(hit.items[1]).toMatchObject({ status: 'failed', error: 'boom' });
    expect(applyEvent(items, { execution_id: '0190-c', workflow_id: 'w1', status: 'running', state: 't', error: null }).missing).toBe(true);
    expect(mergeNewest(items, [run('0190-c'), run('0190-b', 'completed')]).map((x) => [x.id, x.status])).toEqual([
      ['0190-c', 'running'],
      ['0190-b', 'completed'],
      ['0190-a', 'running'],
    ]);
  });
});

// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { createApi } from '../../api/client';
import { ApiProvider } from '../../api/context';
import { errorBody, fakeFetch, json, type Handler } from '../../test/fakeFetch';
import type { ActionSpec, GraphEdge, GraphNode, NodeData, ValidationIssue } from './contract';
import { resetProviders } from './integrationPickers';
import { NodePanel } from './NodePanel';

afterEach(cleanup);
beforeEach(resetProviders);

const CATALOG: ActionSpec[] = [
  { kind: 'add_note', required: [{ name: 'text', kind: { type: 'text' } }], optional: [], needs_integration: null },
  {
    kind: 'set_lead_stage',
    required: [{ name: 'stage', kind: { type: 'enum', values: ['new', 'qualified', 'won'] } }],
    optional: [],
    needs_integration: null,
  },
  // An action the UI has never heard of: its form still comes from the catalog.
  {
    kind: 'sms_send',
    required: [
      { name: 'phone_number', kind: { type: 'text' } },
      { name: 'priority', kind: { type: 'number' } },
    ],
    optional: [{ name: 'flash', kind: { type: 'bool' } }],
    needs_integration: null,
  },
  {
    kind: 'slack_message',
    required: [
      { name: 'channel', kind: { type: 'text' } },
      { name: 'text', kind: { type: 'text' } },
    ],
    optional: [],
    needs_integration: 'slack',
  },
];

const OTHERS: GraphNode[] = [
  { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'sentiment.negative' } },
  { id: 'end', type: 'end', position: { x: 0, y: 300 }, data: {} },
];

/** The panel over a node whose data lives in state, as in the builder; returns what was saved. */
function Harness({ start, issues = [], onConnect = () => {}, routes = {} }: { start: GraphNode; issues?: ValidationIssue[]; onConnect?: (h: string | null, t: string | null) => void; routes?: Record<string, Handler> }) {
  const [data, setData] = useState<NodeData>(start.data);
  const api = createApi({ baseUrl: 'http://localhost', fetch: fakeFetch(routes).fetch });
  const edges: GraphEdge[] = [{ id: 'e1', source: start.id, target: 'end' }];
  return (
    <ApiProvider api={api}>
      <NodePanel
        node={{ ...start, data }}
        nodes={[...OTHERS, { ...start, data }]}
        edges={edges}
        catalog={CATALOG}
        issues={issues}
        readOnly={false}
        onData={setData}
        onConnect={onConnect}
        onDelete={() => {}}
      />
      <output data-testid="data">{JSON.stringify(data)}</output>
    </ApiProvider>
  );
}

const saved = () => JSON.parse(screen.getByTestId('data').textContent ?? '{}') as NodeData;

describe('the side panel', () => {
  it('builds an unknown action’s form from the catalog and maps typed values into params', () => {
    render(<Harness start={{ id: 'a', type: 'action', position: { x: 0, y: 0 }, data: { action: 'sms_send', params: {} } }} />);
    fireEvent.change(screen.getByLabelText('Phone number'), { target: { value: '{{visitor.phone}}' } });
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: '5' } });
    fireEvent.click(screen.getByLabelText(/Flash/));
    expect(saved().params).toEqual({ phone_number: '{{visitor.phone}}', priority: 5, flash: true });
    // Emptying a box removes the key; switching the action starts its params afresh.
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: '' } });
    expect(saved().params).toEqual({ phone_number: '{{visitor.phone}}', flash: true });
    fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'set_lead_stage' } });
    expect(saved()).toMatchObject({ action: 'set_lead_stage', params: {} });
    fireEvent.change(screen.getByLabelText('Stage'), { target: { value: 'won' } });
    expect(saved().params).toEqual({ stage: 'won' });
  });

  it('shows stored values in the form (graph → form)', () => {
    render(<Harness start={{ id: 'a', type: 'action', position: { x: 0, y: 0 }, data: { action: 'sms_send', params: { phone_number: '+1 555', priority: 2, flash: true }, retries: 5 } }} />);
    expect((screen.getByLabelText('Phone number') as HTMLInputElement).value).toBe('+1 555');
    expect((screen.getByLabelText('Priority') as HTMLInputElement).value).toBe('2');
    expect((screen.getByLabelText(/Flash/) as HTMLInputElement).checked).toBe(true);
    expect((screen.getByLabelText('Retries') as HTMLInputElement).value).toBe('5');
  });

  it('autocompletes context paths inside {{ }} with the keyboard', () => {
    render(<Harness start={{ id: 'n', type: 'action', position: { x: 0, y: 0 }, data: { action: 'add_note', params: {} } }} />);
    const box = screen.getByRole('combobox', { name: 'Text' }) as HTMLTextAreaElement;
    box.focus();
    fireEvent.change(box, { target: { value: 'Upset: {{visitor.em', selectionStart: 19 } });
    box.setSelectionRange(19, 19);
    fireEvent.change(box, { target: { value: 'Upset: {{visitor.em' } });
    expect(box.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('option', { name: 'visitor.email' })).toBeTruthy();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(saved().params).toEqual({ text: 'Upset: {{visitor.email}}' });
  });

  it('shows an expression error at the column the API reported', () => {
    render(
      <Harness
        start={{ id: 'c', type: 'condition', position: { x: 0, y: 0 }, data: { expression: 'lead.score >= ' } }}
        issues={[{ node_id: 'c', code: 'invalid_expression', message: 'expected a value after `>=` at column 15' }]}
      />,
    );
    expect(screen.getAllByText('expected a value after `>=` at column 15').length).toBeGreaterThan(0);
    const caret = document.querySelector('.wf-expr-caret')?.textContent ?? '';
    expect(caret.split('\n')[1]).toBe(`${' '.repeat(14)}^`);
  });

  it('connects handles from a menu, for keyboard users', () => {
    const onConnect = vi.fn();
    render(<Harness start={{ id: 'c', type: 'condition', position: { x: 0, y: 0 }, data: { expression: 'x' } }} onConnect={onConnect} />);
    fireEvent.change(screen.getByLabelText('If true, go to'), { target: { value: 'end' } });
    expect(onConnect).toHaveBeenCalledWith('true', 'end');
    // The trigger is never a target.
    expect(screen.getByLabelText('If false, go to').querySelectorAll('option[value="t"]').length).toBe(0);
  });

  it('says “Connect Slack first” when Slack is not connected, with a link', async () => {
    render(
      <Harness
        start={{ id: 's', type: 'action', position: { x: 0, y: 0 }, data: { action: 'slack_message', params: {} } }}
        routes={{ 'GET /api/v1/integrations': () => json(200, { providers: [{ provider: 'slack', name: 'Slack', state: 'disconnected' }] }) }}
      />,
    );
    await screen.findByText(/Connect Slack first/);
    expect(screen.getByRole('link', { name: 'Go to Integrations' }).getAttribute('href')).toMatch(/\/integrations$/);
  });

  it('offers the channels when Slack is connected', async () => {
    render(
      <Harness
        start={{ id: 's', type: 'action', position: { x: 0, y: 0 }, data: { action: 'slack_message', params: {} } }}
        routes={{
          'GET /api/v1/integrations': () => json(200, { providers: [{ provider: 'slack', name: 'Slack', state: 'connected' }] }),
          'GET /api/v1/integrations/slack/channels': () => json(200, { channels: [{ id: 'C1', name: 'sales', is_private: false }] }),
        }}
      />,
    );
    const pick = await screen.findByLabelText('Pick channel');
    fireEvent.change(pick, { target: { value: '#sales' } });
    await waitFor(() => expect(saved().params).toEqual({ channel: '#sales' }));
  });

  it('treats a missing integrations API like a missing connection', async () => {
    render(
      <Harness
        start={{ id: 's', type: 'action', position: { x: 0, y: 0 }, data: { action: 'slack_message', params: {} } }}
        routes={{ 'GET /api/v1/integrations': () => errorBody(404, 'not_found', 'no route') }}
      />,
    );
    await screen.findByText(/Connect Slack first/);
  });
});

import { describe, expect, it } from 'vitest';
import type { Graph, TestResult } from './contract';
import {
  autoLayout,
  cleanData,
  connect,
  describeNode,
  dryRunPath,
  duplicateNodes,
  errorColumn,
  expressionWords,
  fromGraph,
  indexIssues,
  needsLayout,
  nextNodeId,
  outHandles,
  toGraph,
} from './graph';

const GRAPH: Graph = {
  nodes: [
    { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'sentiment.negative' } },
    { id: 'check', type: 'condition', position: { x: 0, y: 100 }, data: { expression: 'lead.score >= 80' } },
    { id: 'tag', type: 'action', position: { x: 0, y: 200 }, data: { action: 'tag_conversation', params: { tag: 'upset' } } },
    { id: 'end', type: 'end', position: { x: 0, y: 300 }, data: {} },
  ],
  edges: [
    { id: 'e1', source: 't', target: 'check' },
    { id: 'e2', source: 'check', target: 'tag', sourceHandle: 'true' },
    { id: 'e3', source: 'check', target: 'end', sourceHandle: 'false' },
    { id: 'e4', source: 'tag', target: 'end' },
  ],
};

describe('node cards in words', () => {
  it('says what each node does', () => {
    expect(describeNode({ type: 'condition', data: { expression: 'lead.score >= 80 and intent == "bulk_order"' } })).toBe(
      'If lead score ≥ 80 and intent is bulk order',
    );
    expect(describeNode({ type: 'delay', data: { duration: '15m' } })).toBe('Wait 15 minutes');
    expect(describeNode({ type: 'delay', data: { seconds: 7200 } })).toBe('Wait 2 hours');
    expect(describeNode({ type: 'action', data: { action: 'slack_message', params: { channel: 'sales', text: 'hi' } } })).toBe('Post to #sales');
    expect(describeNode({ type: 'action', data: { action: 'tag_conversation', params: { tag: 'vip' } } })).toBe('Tag the conversation “vip”');
    expect(describeNode({ type: 'trigger', data: { event: 'sentiment.negative' } })).toBe('Sentiment turns negative');
    expect(describeNode({ type: 'trigger', data: { event: 'external:order.shipped' } })).toBe('External event “order.shipped”');
    expect(describeNode({ type: 'split', data: { branches: [{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }] } })).toBe('Split a 25% · b 75%');
    expect(describeNode({ type: 'action', data: { action: 'brand_new_action', params: {} } })).toBe('Brand new action');
  });

  it('reads expressions as words', () => {
    expect(expressionWords('visitor.email contains "@acme.com"')).toBe('visitor email contains @acme.com');
    expect(expressionWords('visitor.email != null and not conversation.assigned_agent')).toBe('visitor email is set and not conversation assigned agent');
    expect(expressionWords('event.payload.condition in ["new", "like_new"]')).toBe('event payload condition in [new, like new]');
    expect(expressionWords('(lead.score>=50 || intent == \'x\') && lead.stage != "won"')).toBe('(lead score ≥ 50 or intent is x) and lead stage is not won');
  });

  it('gives each node type the handles the compiler expects', () => {
    expect(outHandles({ type: 'condition', data: {} }).map((h) => h.id)).toEqual(['true', 'false']);
    expect(outHandles({ type: 'action', data: {} }).map((h) => h.id)).toEqual([null, 'error']);
    expect(outHandles({ type: 'split', data: { branches: [{ id: 'x', weight: 1 }, { id: 'y', weight: 1 }] } }).map((h) => h.id)).toEqual(['x', 'y']);
    expect(outHandles({ type: 'end', data: {} })).toEqual([]);
  });
});

describe('graph ⇄ canvas', () => {
  it('drops React Flow extras and empty optional settings before saving', () => {
    const nodes = GRAPH.nodes.map((n) => ({ ...n, selected: true, measured: { width: 220, height: 80 }, dragging: false }));
    nodes[0] = { ...nodes[0]!, data: { event: 'sentiment.negative', filter: '  ', label: '' } };
    nodes[2] = { ...nodes[2]!, position: { x: 10.4, y: 200.6 }, data: { action: 'tag_conversation', params: { tag: 'upset', extra: '' } } };
    const edges = GRAPH.edges.map((e) => ({ ...e, animated: true, selected: false, sourceHandle: e.sourceHandle ?? null }));
    const saved = toGraph(nodes, edges);
    expect(saved.nodes[0]).toEqual({ id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'sentiment.negative' } });
    expect(saved.nodes[2]).toEqual({ id: 'tag', type: 'action', position: { x: 10, y: 201 }, data: { action: 'tag_conversation', params: { tag: 'upset' } } });
    expect(saved.edges[0]).toEqual({ id: 'e1', source: 't', target: 'check' });
    expect(saved.edges[1]).toEqual({ id: 'e2', source: 'check', target: 'tag', sourceHandle: 'true' });
  });

  it('round-trips a stored graph unchanged', () => {
    expect(toGraph(fromGraph(GRAPH).nodes, fromGraph(GRAPH).edges)).toEqual(GRAPH);
  });

  it('gives edges ids and lays out a graph whose nodes overlap', () => {
    const stacked: Graph = {
      nodes: GRAPH.nodes.map((n) => ({ ...n, position: { x: 0, y: 0 } })),
      edges: GRAPH.edges.map((e) => ({ source: e.source, target: e.target, ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}) })),
    };
    expect(needsLayout(stacked)).toBe(true);
    const laid = fromGraph(stacked);
    expect(needsLayout(laid)).toBe(false);
    expect(laid.edges.every((e) => /^[A-Za-z0-9_-]{1,64}$/.test(e.id ?? ''))).toBe(true);
    const y = Object.fromEntries(laid.nodes.map((n) => [n.id, n.position.y]));
    // Each node below everything that leads to it.
    expect(y.t! < y.check!).toBe(true);
    expect(y.check! < y.tag!).toBe(true);
    expect(y.tag! < y.end!).toBe(true);
  });

  it('lays out loops without running forever', () => {
    const loop: Graph = {
      nodes: [
        { id: 't', type: 'trigger', position: { x: 0, y: 0 }, data: {} },
        { id: 'd', type: 'delay', position: { x: 0, y: 0 }, data: { duration: '1d' } },
        { id: 'c', type: 'condition', position: { x: 0, y: 0 }, data: { expression: 'x' } },
        { id: 'end', type: 'end', position: { x: 0, y: 0 }, data: {} },
      ],
      edges: [
        { source: 't', target: 'd' },
        { source: 'd', target: 'c' },
        { source: 'c', target: 'd', sourceHandle: 'true' },
        { source: 'c', target: 'end', sourceHandle: 'false' },
      ],
    };
    expect(needsLayout(autoLayout(loop))).toBe(false);
  });

  it('keeps one edge per handle when connecting, and removes one on null', () => {
    let edges = connect(GRAPH.edges, 'check', 'true', 'end');
    expect(edges.filter((e) => e.source === 'check')).toEqual([
      { id: 'e3', source: 'check', target: 'end', sourceHandle: 'false' },
      { id: 'e-check-true-end', source: 'check', target: 'end', sourceHandle: 'true' },
    ]);
    edges = connect(edges, 'tag', null, null);
    expect(edges.some((e) => e.source === 'tag')).toBe(false);
  });

  it('cleans data per type', () => {
    expect(cleanData('action', { action: 'reply', params: { text: '' } })).toEqual({ action: 'reply', params: {} });
    expect(cleanData('trigger', { event: 'x', filter: '' })).toEqual({ event: 'x' });
  });

  it('copies nodes with fresh ids and the edges among them', () => {
    const copy = duplicateNodes(GRAPH, new Set(['check', 'tag']));
    expect(copy.nodes.map((n) => n.id)).toEqual(['condition_1', 'action_1']);
    expect(copy.edges).toEqual([{ id: 'e-condition_1-true-action_1', source: 'condition_1', target: 'action_1', sourceHandle: 'true' }]);
    expect(nextNodeId('end', ['end_1', 'end_2'])).toBe('end_3');
  });
});

describe('validation and dry runs on the canvas', () => {
  it('files problems by node and edge', () => {
    const index = indexIssues([
      { node_id: 'check', code: 'invalid_expression', message: 'expected a value after `>=` at column 15' },
      { edge_id: 'e4', code: 'unknown_node', message: 'no such node' },
      { code: 'no_trigger', message: 'a workflow needs a trigger' },
    ]);
    expect(index.byNode.get('check')?.[0]?.code).toBe('invalid_expression');
    expect(index.byEdge.get('e4')?.length).toBe(1);
    expect(index.general.length).toBe(1);
    expect(errorColumn('expected a value after `>=` at column 15')).toBe(15);
    expect(errorColumn('no column here')).toBeNull();
  });

  it('finds the nodes and edges a dry run walked, taking the branch it took', () => {
    const result: TestResult = {
      trigger_matches: true,
      context: {},
      dry_run: {
        complete: true,
        steps: [
          { type: 'branch', node_id: 't', next: 'check' },
          { type: 'branch', node_id: 'check', next: 'end', branch: 'false' },
          { type: 'end', node_id: 'end', status: 'completed' },
        ],
      },
    };
    const path = dryRunPath(GRAPH, result);
    expect([...path.nodes]).toEqual(['t', 'check', 'end']);
    expect([...path.edges]).toEqual(['e1', 'e3']);
  });
});

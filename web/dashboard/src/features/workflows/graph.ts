// The builder's graph logic, kept free of React Flow so it is tested without a canvas and
// the list page can use it without loading the canvas library. The graph the API stores is
// React Flow's own shape, so a canvas node is a stored node plus React Flow's extras
// (selected, measured, ...), which `toGraph` drops before saving.
import type { DryStep, Graph, GraphEdge, GraphNode, NodeData, NodeType, TestResult, ValidationIssue } from './contract';
import { EVENTS, eventLabel } from '../../lib/workflowEvents';

export { EVENTS, eventLabel };

export const NODE_TYPES: ReadonlyArray<{ type: NodeType; label: string; hint: string }> = [
  { type: 'trigger', label: 'Trigger', hint: 'The event that starts the workflow' },
  { type: 'condition', label: 'Condition', hint: 'Go one way if an expression holds, the other if not' },
  { type: 'action', label: 'Action', hint: 'Do something: reply, tag, note, webhook, Slack…' },
  { type: 'delay', label: 'Delay', hint: 'Wait, then go on' },
  { type: 'split', label: 'A/B split', hint: 'Send runs down weighted branches' },
  { type: 'end', label: 'End', hint: 'The workflow is done' },
];


/** Words for an action kind: `tag_conversation` → "Tag conversation". */
export function actionLabel(kind: string | undefined): string {
  if (!kind) return 'Choose an action';
  const words = kind.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * An expression in words for a card: `lead.score >= 80 and intent == "bulk_order"` →
 * "lead score ≥ 80 and intent is bulk order". Quoted text keeps its words (underscores
 * read as spaces); `!= null` reads "is set". The side panel shows the exact expression.
 */
export function expressionWords(expression: string): string {
  const tokens = expression.trim().match(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|>=|<=|!=|==|&&|\|\||[<>!()[\],]|[^\s"'<>=!&|()[\],]+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if ((t === '!=' || t === '==') && next === 'null') {
      out.push(t === '!=' ? 'is set' : 'is not set');
      i++;
      continue;
    }
    const word: Record<string, string> = { '>=': '≥', '<=': '≤', '!=': 'is not', '==': 'is', '&&': 'and', '||': 'or', '!': 'not' };
    if (word[t]) out.push(word[t]!);
    else if (/^["']/.test(t)) out.push(t.slice(1, -1).replace(/_/g, ' '));
    else if (/^[A-Za-z_][\w]*(\.[\w]+)+$/.test(t)) out.push(t.replace(/\./g, ' ').replace(/_/g, ' '));
    else out.push(t);
  }
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/ ,/g, ',');
}

/** A duration in words: 900 → "15 minutes". */
export function secondsWords(seconds: number): string {
  const units: Array<[number, string]> = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

/** `30s`, `10m`, `2h`, `1d` → seconds; undefined when not that form. */
export function durationSeconds(duration: string): number | undefined {
  const m = /^(\d+)([smhd])$/.exec(duration.trim());
  if (!m) return undefined;
  const size = { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * size;
}

function firstParam(data: NodeData, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = data.params?.[n];
    if (v !== undefined && v !== '') return String(v);
  }
  return undefined;
}

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a node does, in words, for its card. */
export function describeNode(node: Pick<GraphNode, 'type' | 'data'>): string {
  const d = node.data;
  switch (node.type) {
    case 'trigger':
      return d.filter?.trim() ? `${eventLabel(d.event)}, if ${expressionWords(d.filter)}` : eventLabel(d.event);
    case 'condition':
      return d.expression?.trim() ? `If ${expressionWords(d.expression)}` : 'Write a condition';
    case 'delay': {
      const seconds = d.seconds ?? (d.duration ? durationSeconds(d.duration) : undefined);
      return seconds ? `Wait ${secondsWords(seconds)}` : 'Choose how long to wait';
    }
    case 'split': {
      const branches = d.branches ?? [];
      const total = branches.reduce((sum, b) => sum + (b.weight > 0 ? b.weight : 0), 0) || 1;
      return branches.length ? `Split ${branches.map((b) => `${b.id} ${Math.round((b.weight / total) * 100)}%`).join(' · ')}` : 'Add branches';
    }
    case 'end':
      return 'End of the workflow';
    case 'action': {
      const p = (name: string) => firstParam(d, name);
      switch (d.action) {
        case 'tag_conversation':
          return p('tag') ? `Tag the conversation “${p('tag')}”` : 'Tag the conversation';
        case 'add_note':
          return p('text') ? `Note: ${clip(p('text')!)}` : 'Add an internal note';
        case 'reply':
          return p('text') ? `Reply: ${clip(p('text')!)}` : 'Reply to the visitor';
        case 'handoff':
          return 'Hand off to a person';
        case 'set_lead_stage':
          return p('stage') ? `Set the lead stage to ${p('stage')}` : 'Set the lead stage';
        case 'approve_return':
          return 'Approve the return';
        case 'webhook': {
          const url = p('url');
          let host = url;
          try {
            if (url) host = new URL(url).host;
          } catch {
            // A URL still being typed: show it as it is.
          }
          return host ? `Send a webhook to ${host}` : 'Send a webhook';
        }
        case 'slack_message': {
          const channel = p('channel');
          return channel ? `Post to ${channel.startsWith('#') || /^[CGD][A-Z0-9]+$/.test(channel) ? channel : `#${channel}`}` : 'Post to Slack';
        }
        case 'hubspot_contact':
          return 'Create or update a HubSpot contact';
        case 'hubspot_deal':
          return p('name') ? `Create the HubSpot deal “${clip(p('name')!, 40)}”` : 'Create a HubSpot deal';
        case 'sheets_append_row':
          return p('sheet') ? `Add a row to the sheet ${p('sheet')}` : 'Add a row to a Google Sheet';
        default:
          return actionLabel(d.action);
      }
    }
  }
}

export interface OutHandle {
  /** The edge's `sourceHandle`; null for the default (unnamed) handle. */
  id: string | null;
  label: string;
}

/** The handles edges leave a node by, as the compiler expects them. */
export function outHandles(node: Pick<GraphNode, 'type' | 'data'>): OutHandle[] {
  switch (node.type) {
    case 'trigger':
    case 'delay':
      return [{ id: null, label: 'Next' }];
    case 'condition':
      return [
        { id: 'true', label: 'If true' },
        { id: 'false', label: 'If false' },
      ];
    case 'action':
      return [
        { id: null, label: 'When done' },
        { id: 'error', label: 'On error' },
      ];
    case 'split':
      return (node.data.branches ?? []).map((b) => ({ id: b.id, label: `Branch ${b.id}` }));
    case 'end':
      return [];
  }
}

/** Whether edges may enter the node (everything but the trigger). */
export function hasInput(type: NodeType): boolean {
  return type !== 'trigger';
}

/** The `data` a new node of `type` starts with. */
export function defaultData(type: NodeType, action?: string): NodeData {
  switch (type) {
    case 'trigger':
      return { event: 'message.received' };
    case 'condition':
      return { expression: '' };
    case 'action':
      return { action: action ?? 'add_note', params: {} };
    case 'delay':
      return { duration: '15m' };
    case 'split':
      return {
        branches: [
          { id: 'a', weight: 50 },
          { id: 'b', weight: 50 },
        ],
      };
    case 'end':
      return {};
  }
}

/** A fresh node id (`condition_2`) that no node in `taken` has. */
export function nextNodeId(type: NodeType, taken: Iterable<string>): string {
  const used = new Set(taken);
  for (let n = 1; ; n++) {
    const id = `${type}_${n}`;
    if (!used.has(id)) return id;
  }
}

/** An edge id from its ends; ids allow letters, digits, `_` and `-` only. */
export function edgeId(source: string, handle: string | null | undefined, target: string): string {
  const id = `e-${source}-${handle ? `${handle}-` : ''}${target}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return id.slice(0, 64);
}

/**
 * Adds an edge from `source`'s `handle` to `target`, replacing the edge that left by that
 * handle (each handle has one edge), or removes it when `target` is null.
 */
export function connect(edges: GraphEdge[], source: string, handle: string | null, target: string | null): GraphEdge[] {
  const rest = edges.filter((e) => !(e.source === source && (e.sourceHandle ?? null) === handle));
  if (target === null) return rest;
  const id = edgeId(source, handle, target);
  const edge: GraphEdge = { id, source, target, ...(handle ? { sourceHandle: handle } : {}) };
  return [...rest.filter((e) => e.id !== id), edge];
}

/** The target of the edge leaving `source` by `handle`, if any. */
export function targetOf(edges: GraphEdge[], source: string, handle: string | null): string | null {
  return edges.find((e) => e.source === source && (e.sourceHandle ?? null) === handle)?.target ?? null;
}

/** Drops empty optional keys so the compiler sees what the user meant (no `filter: ""`). */
export function cleanData(type: NodeType, data: NodeData): NodeData {
  const out: NodeData = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || value === null) continue;
    if ((key === 'label' || key === 'filter') && typeof value === 'string' && value.trim() === '') continue;
    out[key] = value;
  }
  if (type === 'action') {
    const params: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(out.params ?? {})) {
      if (value === '' || value === undefined || value === null) continue;
      params[name] = value;
    }
    out.params = params;
  }
  return out;
}

/** The stored graph of canvas nodes and edges: React Flow's extras dropped, data cleaned. */
export function toGraph(
  nodes: ReadonlyArray<Pick<GraphNode, 'id' | 'position' | 'data'> & { type?: string }>,
  edges: ReadonlyArray<GraphEdge>,
): Graph {
  return {
    nodes: nodes.map((n) => {
      const type = (n.type ?? 'end') as NodeType;
      return {
        id: n.id,
        type,
        position: { x: Math.round(n.position.x), y: Math.round(n.position.y) },
        data: cleanData(type, n.data),
      };
    }),
    edges: edges.map((e) => ({
      id: e.id ?? edgeId(e.source, e.sourceHandle, e.target),
      source: e.source,
      target: e.target,
      ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}),
    })),
  };
}

/** A stored graph, with every edge given an id (the canvas needs one), ready for the canvas. */
export function fromGraph(graph: Graph | null | undefined): Graph {
  const nodes = (graph?.nodes ?? []).map((n) => ({ ...n, data: { ...n.data } }));
  const edges = (graph?.edges ?? []).map((e) => ({ ...e, id: e.id ?? edgeId(e.source, e.sourceHandle, e.target) }));
  return needsLayout({ nodes, edges }) ? autoLayout({ nodes, edges }) : { nodes, edges };
}

const NODE_W = 260;
const NODE_H = 130;

/** True when nodes sit on top of each other (an imported or hand-written graph). */
export function needsLayout(graph: Graph): boolean {
  const seen = new Set<string>();
  for (const n of graph.nodes) {
    const key = `${Math.round(n.position?.x ?? 0)},${Math.round(n.position?.y ?? 0)}`;
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/**
 * Places nodes top to bottom in layers by their longest distance from the trigger (so a
 * node comes after everything that leads to it, loops aside), siblings side by side.
 */
export function autoLayout(graph: Graph): Graph {
  const out = new Map<string, string[]>();
  const indegree = new Map<string, number>();
  for (const n of graph.nodes) {
    out.set(n.id, []);
    indegree.set(n.id, 0);
  }
  for (const e of graph.edges) {
    if (!out.has(e.source) || !out.has(e.target)) continue;
    out.get(e.source)!.push(e.target);
  }
  // Break loops: only edges that go forward in a depth-first order count for layers.
  const order = new Map<string, number>();
  const forward: Array<[string, string]> = [];
  const visit = (id: string, stack: Set<string>) => {
    if (order.has(id)) return;
    order.set(id, order.size);
    stack.add(id);
    for (const t of out.get(id) ?? []) {
      if (stack.has(t)) continue;
      forward.push([id, t]);
      visit(t, stack);
    }
    stack.delete(id);
  };
  const roots = [...graph.nodes.filter((n) => n.type === 'trigger'), ...graph.nodes];
  for (const r of roots) visit(r.id, new Set());
  for (const [, t] of forward) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const layer = new Map<string, number>();
  const queue = graph.nodes.filter((n) => (indegree.get(n.id) ?? 0) === 0).map((n) => n.id);
  for (const id of queue) layer.set(id, 0);
  const fwdOut = new Map<string, string[]>();
  for (const [s, t] of forward) fwdOut.set(s, [...(fwdOut.get(s) ?? []), t]);
  while (queue.length) {
    const id = queue.shift()!;
    for (const t of fwdOut.get(id) ?? []) {
      layer.set(t, Math.max(layer.get(t) ?? 0, (layer.get(id) ?? 0) + 1));
      indegree.set(t, (indegree.get(t) ?? 1) - 1);
      if (indegree.get(t) === 0) queue.push(t);
    }
  }
  const rows = new Map<number, string[]>();
  for (const n of graph.nodes) {
    const l = layer.get(n.id) ?? 0;
    rows.set(l, [...(rows.get(l) ?? []), n.id]);
  }
  const position = new Map<string, { x: number; y: number }>();
  for (const [l, ids] of rows) {
    ids.forEach((id, i) => position.set(id, { x: Math.round((i - (ids.length - 1) / 2) * NODE_W), y: l * NODE_H }));
  }
  return { nodes: graph.nodes.map((n) => ({ ...n, position: position.get(n.id) ?? n.position })), edges: graph.edges };
}

export interface IssueIndex {
  byNode: Map<string, ValidationIssue[]>;
  byEdge: Map<string, ValidationIssue[]>;
  /** Problems of the whole graph (no trigger, too many nodes). */
  general: ValidationIssue[];
}

/** Files the compiler's problems under the node or edge each names. */
export function indexIssues(issues: ValidationIssue[]): IssueIndex {
  const byNode = new Map<string, ValidationIssue[]>();
  const byEdge = new Map<string, ValidationIssue[]>();
  const general: ValidationIssue[] = [];
  for (const issue of issues) {
    if (issue.node_id) byNode.set(issue.node_id, [...(byNode.get(issue.node_id) ?? []), issue]);
    else if (issue.edge_id) byEdge.set(issue.edge_id, [...(byEdge.get(issue.edge_id) ?? []), issue]);
    else general.push(issue);
  }
  return { byNode, byEdge, general };
}

/** The 1-based column an expression error names ("… at column 15"), if any. */
export function errorColumn(message: string): number | null {
  const m = /at column (\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

/** The nodes and edges a dry run walked, for highlighting. */
export function dryRunPath(graph: Graph, result: TestResult): { nodes: Set<string>; edges: Set<string> } {
  const nodes = new Set<string>();
  const edges = new Set<string>();
  const steps: DryStep[] = result.dry_run.steps;
  steps.forEach((step, i) => {
    nodes.add(step.node_id);
    const next = steps[i + 1]?.node_id;
    if (!next) return;
    const handle = step.type === 'branch' ? (step.branch ?? null) : null;
    const edge =
      graph.edges.find((e) => e.source === step.node_id && e.target === next && (handle === null || (e.sourceHandle ?? null) === handle)) ??
      graph.edges.find((e) => e.source === step.node_id && e.target === next);
    if (edge?.id) edges.add(edge.id);
  });
  return { nodes, edges };
}

/** A sample event payload for a trigger, for the dry run. */
export function samplePayload(event: string | undefined, conversationId?: string): Record<string, unknown> {
  const conv = conversationId ? { conversation_id: conversationId } : {};
  switch (event) {
    case 'intent.detected':
      return { ...conv, intent: 'bulk_order' };
    case 'message.received':
      return { ...conv, text: 'Do you sell tents in bulk?' };
    case 'sentiment.negative':
      return { ...conv, score: -0.7 };
    case 'image.analyzed':
      return { ...conv, intent: 'return_request', condition: 'like_new', confidence: 0.9 };
    case 'lead.qualified':
      return { ...conv, score: 85 };
    case 'integration.disconnected':
      return { provider: 'slack', reason: 'Slack revoked Parley’s access (token_revoked)', account: 'Acme' };
    default:
      return { ...conv };
  }
}

/** A sample context for the dry run when no real conversation is picked. */
export const SAMPLE_CONTEXT = {
  visitor: { name: 'Ann', email: 'ann@example.com' },
  lead: { score: 85, stage: 'new', company: 'Acme', budget: 1200 },
  conversation: { status: 'open', tags: [], assigned_agent: null },
};

/** Copies `ids` (and the edges among them) with fresh ids, shifted, for paste. */
export function duplicateNodes(graph: Graph, ids: Set<string>, offset = 40): Graph {
  const taken = new Set(graph.nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    if (!ids.has(n.id)) continue;
    const id = nextNodeId(n.type, taken);
    taken.add(id);
    rename.set(n.id, id);
    nodes.push({ ...n, id, position: { x: n.position.x + offset, y: n.position.y + offset }, data: structuredClone(n.data) });
  }
  const edges = graph.edges
    .filter((e) => rename.has(e.source) && rename.has(e.target))
    .map((e) => {
      const source = rename.get(e.source)!;
      const target = rename.get(e.target)!;
      return { id: edgeId(source, e.sourceHandle, target), source, target, ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}) };
    });
  return { nodes, edges };
}

/** An empty workflow: a trigger and an end, joined. */
export function starterGraph(): Graph {
  return {
    nodes: [
      { id: 'trigger', type: 'trigger', position: { x: 0, y: 0 }, data: { event: 'message.received' } },
      { id: 'end', type: 'end', position: { x: 0, y: 260 }, data: {} },
    ],
    edges: [{ id: 'e-trigger-end', source: 'trigger', target: 'end' }],
  };
}

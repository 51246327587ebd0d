// The canvas builder, /workflows/:id. The only module that imports React Flow: App.tsx
// loads it lazily, so the library reaches the browser on this route alone.
import {
  Background,
  Controls,
  Handle,
  MiniMap,
  Position,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
  type NodeProps,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link } from '../../lib/router';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { Input } from '../../ui/Input';
import { LoadError, Loading } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import type { ActionSpec, Graph, GraphEdge, GraphNode, NodeData, NodeType, TestResult, ValidationIssue, WorkflowView } from './contract';
import {
  NODE_TYPES,
  actionLabel,
  autoLayout,
  connect,
  defaultData,
  describeNode,
  dryRunPath,
  duplicateNodes,
  edgeId,
  fromGraph,
  hasInput,
  indexIssues,
  nextNodeId,
  outHandles,
  toGraph,
} from './graph';
import { NodePanel } from './NodePanel';
import { StatusBadge, downloadJson, fileName } from './shared';
import { TestDialog } from './TestDialog';
import { VersionsDialog } from './VersionsDialog';
import { InvalidWorkflow, workflowsApi } from './workflowsApi';
import './workflows.css';

type FlowNode = Node<NodeData, NodeType>;

/** What node cards read besides their own data: problems and the dry run's path. */
interface CanvasMarks {
  issues: Map<string, ValidationIssue[]>;
  path: Set<string>;
}
const Marks = createContext<CanvasMarks>({ issues: new Map(), path: new Set() });

const TYPE_LABEL = Object.fromEntries(NODE_TYPES.map((t) => [t.type, t.label])) as Record<NodeType, string>;

/** One card for every node type: what it does in words, and its handles. */
function NodeCard({ id, type, data, selected }: NodeProps<FlowNode>) {
  const { issues, path } = useContext(Marks);
  const mine = issues.get(id) ?? [];
  const handles = outHandles({ type, data });
  const classes = ['wf-node', `wf-node-${type}`, selected ? 'wf-node-selected' : '', mine.length ? 'wf-node-error' : '', path.has(id) ? 'wf-node-path' : '']
    .filter(Boolean)
    .join(' ');
  const description = describeNode({ type, data });
  return (
    <div className={classes} data-node-id={id} aria-label={`${TYPE_LABEL[type]}: ${data.label?.trim() || description}${mine.length ? `. ${mine.length} problem${mine.length > 1 ? 's' : ''}` : ''}`}>
      {hasInput(type) && <Handle type="target" position={Position.Top} aria-label="In" />}
      <div className="wf-node-kind">
        {TYPE_LABEL[type]}
        {type === 'action' && data.action ? ` · ${actionLabel(data.action)}` : ''}
      </div>
      {data.label?.trim() && <div className="wf-node-label">{data.label}</div>}
      <div className="wf-node-text">{description}</div>
      {mine.length > 0 && (
        <ul className="wf-node-issues">
          {mine.map((i, n) => (
            <li key={n}>{i.message}</li>
          ))}
        </ul>
      )}
      {handles.length > 0 && (
        <div className="wf-node-handles">
          {handles.map((h, i) => (
            <span key={h.id ?? 'next'} className={`wf-handle-label wf-handle-${h.id ?? 'next'}`} style={{ left: `${((i + 1) / (handles.length + 1)) * 100}%` }}>
              {h.id ?? ''}
            </span>
          ))}
        </div>
      )}
      {handles.map((h, i) => (
        <Handle
          key={h.id ?? 'next'}
          type="source"
          position={Position.Bottom}
          id={h.id ?? undefined}
          aria-label={h.label}
          className={`wf-source wf-source-${h.id ?? 'next'}`}
          style={{ left: `${((i + 1) / (handles.length + 1)) * 100}%` }}
        />
      ))}
    </div>
  );
}

const nodeTypes = { trigger: NodeCard, condition: NodeCard, action: NodeCard, delay: NodeCard, split: NodeCard, end: NodeCard };

function toFlowNodes(graph: Graph): FlowNode[] {
  return graph.nodes.map((n) => ({ id: n.id, type: n.type, position: n.position, data: n.data }));
}
function toFlowEdges(graph: Graph): Edge[] {
  return graph.edges.map((e) => ({
    id: e.id ?? edgeId(e.source, e.sourceHandle, e.target),
    source: e.source,
    target: e.target,
    ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}),
  }));
}

/** Vertical distance between a step and one added below it. */
const ROW = 150;

/** The first place near `start` where a new card does not cover another: below, then to the sides. */
function freeSpot(start: { x: number; y: number }, nodes: FlowNode[]): { x: number; y: number } {
  const covers = (p: { x: number; y: number }) => nodes.some((n) => Math.abs(n.position.x - p.x) < 240 && Math.abs(n.position.y - p.y) < 120);
  for (let row = 0; row < 20; row++) {
    for (const dx of [0, 260, -260, 520, -520]) {
      const p = { x: start.x + dx, y: start.y + row * 150 };
      if (!covers(p)) return p;
    }
  }
  return start;
}

interface Snapshot {
  nodes: FlowNode[];
  edges: Edge[];
}

export function WorkflowBuilderPage({ id }: { id: string }) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const workflow = useResource(() => wapi.get(id), `workflow:${id}`);
  const catalog = useResource(() => wapi.actions(), 'workflow-actions');
  if (workflow.error !== undefined && workflow.data === undefined) return <LoadError error={workflow.error} onRetry={workflow.reload} />;
  if (catalog.error !== undefined && catalog.data === undefined) return <LoadError error={catalog.error} onRetry={catalog.reload} />;
  if (!workflow.data || !catalog.data) return <Loading label="Loading the workflow" />;
  return (
    <ReactFlowProvider>
      <Builder key={workflow.data.id} initial={workflow.data} catalog={catalog.data} />
    </ReactFlowProvider>
  );
}

function Builder({ initial, catalog }: { initial: WorkflowView; catalog: ActionSpec[] }) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const toast = useToast();
  const me = useMe();
  const manage = canManage(me.role);
  const flow = useReactFlow();
  const [wf, setWf] = useState(initial);
  const [name, setName] = useState(initial.name);
  const start = useMemo(() => fromGraph(initial.graph), [initial.graph]);
  const [nodes, setNodes] = useState<FlowNode[]>(() => toFlowNodes(start));
  const [edges, setEdges] = useState<Edge[]>(() => toFlowEdges(start));
  const [dirty, setDirty] = useState(false);
  const [issues, setIssues] = useState<ValidationIssue[]>([]);
  const [busy, setBusy] = useState<null | 'save' | 'status'>(null);
  const [testOpen, setTestOpen] = useState(false);
  const [versionsOpen, setVersionsOpen] = useState(false);
  const [test, setTest] = useState<TestResult | null>(null);
  const undo = useRef<Snapshot[]>([]);
  const redo = useRef<Snapshot[]>([]);
  const lastKey = useRef<string | null>(null);
  const clipboard = useRef<Graph | null>(null);
  const wrapper = useRef<HTMLDivElement>(null);
  const [, setHistoryTick] = useState(0);

  const index = useMemo(() => indexIssues(issues), [issues]);
  const graph = useMemo(() => toGraph(nodes, edges), [nodes, edges]);
  const path = useMemo(() => (test ? dryRunPath(graph, test) : { nodes: new Set<string>(), edges: new Set<string>() }), [graph, test]);
  const marks = useMemo(() => ({ issues: index.byNode, path: path.nodes }), [index, path]);
  const selected = nodes.filter((n) => n.selected);
  const selectedNode = selected.length === 1 ? selected[0]! : null;
  const selectedEdge = selectedNode ? null : (edges.find((e) => e.selected) ?? null);

  /** Records the state before a change; changes with the same key in a row (typing) share one entry. */
  const remember = useCallback(
    (key: string | null) => {
      if (key !== null && key === lastKey.current) return;
      lastKey.current = key;
      // One gesture can report several changes (a node and its edges removed): one entry.
      const top = undo.current[undo.current.length - 1];
      if (top && top.nodes === nodes && top.edges === edges) return;
      undo.current.push({ nodes, edges });
      if (undo.current.length > 100) undo.current.shift();
      redo.current = [];
      setHistoryTick((t) => t + 1);
    },
    [nodes, edges],
  );

  const changed = useCallback(() => {
    setDirty(true);
    setTest(null);
  }, []);

  const restore = (from: Snapshot[], to: Snapshot[]) => {
    const snap = from.pop();
    if (!snap) return;
    to.push({ nodes, edges });
    lastKey.current = null;
    setNodes(snap.nodes);
    setEdges(snap.edges);
    changed();
    setHistoryTick((t) => t + 1);
  };
  const doUndo = () => restore(undo.current, redo.current);
  const doRedo = () => restore(redo.current, undo.current);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      const meaningful = changes.filter((c) => c.type === 'remove' || (c.type === 'position' && c.dragging === false));
      const drag = changes.find((c) => c.type === 'position' && c.dragging);
      if (drag && drag.type === 'position') remember(`drag:${drag.id}`);
      if (changes.some((c) => c.type === 'remove')) remember(null);
      setNodes((ns) => applyNodeChanges(changes, ns));
      if (changes.some((c) => c.type === 'remove')) {
        const gone = new Set(changes.flatMap((c) => (c.type === 'remove' ? [c.id] : [])));
        setEdges((es) => es.filter((e) => !gone.has(e.source) && !gone.has(e.target)));
      }
      if (meaningful.length || drag) changed();
      if (meaningful.length) lastKey.current = null;
    },
    [remember, changed],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      if (changes.some((c) => c.type === 'remove')) {
        remember(null);
        changed();
      }
      setEdges((es) => applyEdgeChanges(changes, es));
    },
    [remember, changed],
  );

  const link = useCallback(
    (source: string, handle: string | null, target: string | null) => {
      remember(null);
      setEdges((es) => {
        const next = connect(
          es.map((e) => ({ id: e.id, source: e.source, target: e.target, sourceHandle: e.sourceHandle ?? null })),
          source,
          handle,
          target,
        );
        const old = new Map(es.map((e) => [e.id, e]));
        return next.map((e) => old.get(e.id!) ?? { id: e.id!, source: e.source, target: e.target, ...(e.sourceHandle ? { sourceHandle: e.sourceHandle } : {}) });
      });
      changed();
    },
    [remember, changed],
  );

  const onConnect = useCallback((c: Connection) => link(c.source, c.sourceHandle ?? null, c.target), [link]);

  const select = useCallback((ids: Set<string>, edgeIds: Set<string> = new Set()) => {
    setNodes((ns) => ns.map((n) => (n.selected === ids.has(n.id) ? n : { ...n, selected: ids.has(n.id) })));
    setEdges((es) => es.map((e) => (!!e.selected === edgeIds.has(e.id) ? e : { ...e, selected: edgeIds.has(e.id) })));
  }, []);

  /** Adds a node; from the palette by click or keyboard it goes below the selected node and is joined to it when a handle is free. */
  const addNode = (type: NodeType, action?: string, at?: { x: number; y: number }) => {
    remember(null);
    const id = nextNodeId(type, nodes.map((n) => n.id));
    const anchor = selectedNode;
    let position = at;
    // Below the selected step, what was under it moves down to make room (like inserting a row).
    let shift: ((n: FlowNode) => FlowNode) | null = null;
    if (!position) {
      const box = wrapper.current?.getBoundingClientRect();
      if (anchor) {
        const p = { x: anchor.position.x, y: anchor.position.y + ROW };
        position = p;
        shift = (n) => (n.position.y >= p.y - ROW / 2 ? { ...n, position: { x: n.position.x, y: n.position.y + ROW } } : n);
      } else {
        const start = box ? flow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 3 }) : { x: 0, y: 0 };
        position = freeSpot(start, nodes);
      }
    }
    const node: FlowNode = { id, type, position, data: defaultData(type, action), selected: true };
    setNodes((ns) => [...ns.map((n) => (shift ? shift(n) : n)).map((n) => (n.selected ? { ...n, selected: false } : n)), node]);
    if (!at) reveal(position);
    if (anchor && !at && hasInput(type)) {
      const free = outHandles(anchor).find((h) => !edges.some((e) => e.source === anchor.id && (e.sourceHandle ?? null) === h.id) && h.id !== 'error');
      if (free) {
        setEdges((es) => [...es, { id: edgeId(anchor.id, free.id, id), source: anchor.id, target: id, ...(free.id ? { sourceHandle: free.id } : {}) }]);
      }
    }
    changed();
  };

  /** Pans to a point of the graph when it is outside the visible canvas. */
  const reveal = (p: { x: number; y: number }) => {
    const box = wrapper.current?.getBoundingClientRect();
    if (!box) return;
    const { x, y, zoom } = flow.getViewport();
    const sx = p.x * zoom + x;
    const sy = p.y * zoom + y;
    if (sx < 0 || sy < 0 || sx + 220 * zoom > box.width || sy + 90 * zoom > box.height) {
      requestAnimationFrame(() => void flow.setCenter(p.x + 110, p.y + 45, { zoom, duration: 200 }));
    }
  };

  const updateData = (nodeId: string, data: NodeData) => {
    remember(`data:${nodeId}`);
    setNodes((ns) => ns.map((n) => (n.id === nodeId ? { ...n, data } : n)));
    changed();
  };

  const deleteSelected = () => {
    const gone = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
    const goneEdges = new Set(edges.filter((e) => e.selected).map((e) => e.id));
    if (!gone.size && !goneEdges.size) return;
    remember(null);
    setNodes((ns) => ns.filter((n) => !gone.has(n.id)));
    setEdges((es) => es.filter((e) => !goneEdges.has(e.id) && !gone.has(e.source) && !gone.has(e.target)));
    changed();
  };

  const copy = () => {
    const ids = new Set(nodes.filter((n) => n.selected).map((n) => n.id));
    if (ids.size) clipboard.current = duplicateNodes(graph, ids, 0);
  };
  const paste = () => {
    const clip = clipboard.current;
    if (!clip?.nodes.length) return;
    const ids = new Set(clip.nodes.map((n) => n.id));
    // Fresh ids against what is on the canvas now, shifted so the copy is visible.
    const base: Graph = { nodes: [...graph.nodes.filter((n) => !ids.has(n.id)), ...clip.nodes], edges: clip.edges };
    const copyOf = duplicateNodes(base, ids, 40);
    remember(null);
    setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)), ...copyOf.nodes.map((n) => ({ id: n.id, type: n.type, position: n.position, data: n.data, selected: true }))]);
    setEdges((es) => [...es, ...toFlowEdges(copyOf)]);
    clipboard.current = { nodes: copyOf.nodes, edges: copyOf.edges };
    changed();
  };

  const tidy = () => {
    remember(null);
    const laid = autoLayout(graph);
    const pos = new Map(laid.nodes.map((n) => [n.id, n.position]));
    setNodes((ns) => ns.map((n) => ({ ...n, position: pos.get(n.id) ?? n.position })));
    changed();
    requestAnimationFrame(() => void flow.fitView({ padding: 0.2 }));
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
      event.preventDefault();
      if (manage && busy === null) void save();
      return;
    }
    const target = event.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable="true"]')) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && key === 'z' && !event.shiftKey) {
      event.preventDefault();
      doUndo();
    } else if (mod && (key === 'y' || (key === 'z' && event.shiftKey))) {
      event.preventDefault();
      doRedo();
    } else if (mod && key === 'c') {
      copy();
    } else if (mod && key === 'v') {
      event.preventDefault();
      paste();
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    const raw = event.dataTransfer.getData('application/x-parley-node');
    if (!raw) return;
    const { type, action } = JSON.parse(raw) as { type: NodeType; action?: string };
    addNode(type, action, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  };

  const save = async () => {
    setBusy('save');
    try {
      const before = wf.version;
      const saved = await wapi.update(wf.id, { name: name.trim() || wf.name, graph });
      setWf(saved);
      setIssues([]);
      setDirty(false);
      toast(saved.version !== before ? `Saved as version ${saved.version}` : 'Saved', 'success');
    } catch (e) {
      if (e instanceof InvalidWorkflow) {
        setIssues(e.issues);
        toast(`Not saved: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'} to fix`, 'error');
      } else toast(`Could not save: ${errorMessage(e)}`, 'error');
    } finally {
      setBusy(null);
    }
  };

  const setStatus = async (to: 'active' | 'paused') => {
    setBusy('status');
    try {
      const next = to === 'active' ? await wapi.activate(wf.id) : await wapi.pause(wf.id);
      setWf(next);
      toast(to === 'active' ? 'Active: matching events start it now' : 'Paused: no new runs start', 'success');
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(null);
    }
  };

  const exportIt = async () => {
    try {
      downloadJson(fileName(wf.name), await wapi.exportDoc(wf.id));
    } catch (e) {
      toast(`Could not export: ${errorMessage(e)}`, 'error');
    }
  };

  const loadVersion = (g: Graph, version: number) => {
    remember(null);
    const laid = fromGraph(g);
    setNodes(toFlowNodes(laid));
    setEdges(toFlowEdges(laid));
    setIssues([]);
    changed();
    setVersionsOpen(false);
    toast(`Version ${version} is on the canvas. Save to make it version ${wf.version + 1}.`, 'info');
  };

  // Leaving with unsaved changes: the browser asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const displayEdges = useMemo(
    () =>
      edges.map((e) => {
        const bad = index.byEdge.has(e.id);
        const on = path.edges.has(e.id);
        const label = e.sourceHandle ?? undefined;
        return {
          ...e,
          className: [bad ? 'wf-edge-error' : '', on ? 'wf-edge-path' : ''].filter(Boolean).join(' ') || undefined,
          label: bad ? `${label ? `${label}: ` : ''}${index.byEdge.get(e.id)![0]!.message}` : label,
          ariaLabel: `Edge from ${e.source}${label ? ` (${label})` : ''} to ${e.target}`,
          animated: on,
        };
      }),
    [edges, index, path],
  );

  const problems = issues.length;
  const readOnly = !manage;

  return (
    <div className="wf-builder" onKeyDown={onKeyDown}>
      <div className="wf-toolbar" role="toolbar" aria-label="Workflow">
        <Link to="/workflows" className="wf-back">
          ← Workflows
        </Link>
        <Input
          aria-label="Workflow name"
          className="wf-name"
          value={name}
          readOnly={readOnly}
          onChange={(e) => {
            setName(e.target.value);
            setDirty(true);
          }}
        />
        <StatusBadge status={wf.status} />
        <span className="wf-version" title={dirty ? 'Changes since the saved version are not saved yet' : undefined}>
          v{wf.version}
          {dirty ? ' · unsaved' : ''}
        </span>
        <span className="wf-toolbar-gap" />
        <Button size="sm" variant="ghost" className="wf-icon-btn" onClick={doUndo} disabled={!undo.current.length} aria-label="Undo" title="Undo (Ctrl+Z)" aria-keyshortcuts="Control+Z">
          ↶
        </Button>
        <Button size="sm" variant="ghost" className="wf-icon-btn" onClick={doRedo} disabled={!redo.current.length} aria-label="Redo" title="Redo (Ctrl+Shift+Z)" aria-keyshortcuts="Control+Shift+Z">
          ↷
        </Button>
        <Button size="sm" variant="ghost" onClick={tidy}>
          Tidy up
        </Button>
        <Button size="sm" onClick={() => setVersionsOpen(true)}>
          Versions
        </Button>
        <Button size="sm" onClick={() => void exportIt()}>
          Export
        </Button>
        <Button size="sm" onClick={() => setTestOpen(true)} disabled={dirty} title={dirty ? 'Save first: the test runs the saved version' : undefined}>
          Test
        </Button>
        <Link to={`/workflows/${encodeURIComponent(wf.id)}/runs`} className="btn btn-secondary btn-sm">
          Runs
        </Link>
        {manage &&
          (wf.status === 'active' ? (
            <Button size="sm" onClick={() => void setStatus('paused')} loading={busy === 'status'}>
              Pause
            </Button>
          ) : (
            <Button
              size="sm"
              onClick={() => void setStatus('active')}
              loading={busy === 'status'}
              disabled={dirty}
              title={dirty ? 'Save first: the saved version is the one that runs' : undefined}
            >
              Activate
            </Button>
          ))}
        {manage && (
          <Button size="sm" variant="primary" onClick={() => void save()} loading={busy === 'save'} aria-keyshortcuts="Control+S">
            Save
          </Button>
        )}
      </div>

      {wf.missing_integrations.length > 0 && (
        <div className="alert alert-warning wf-banner" role="note">
          Needs {wf.missing_integrations.join(', ')}: those steps fail until connected. <Link to="/integrations">Go to Integrations</Link>
        </div>
      )}

      {problems > 0 && (
        <div className="wf-issues" role="region" aria-label="Problems">
          <p className="wf-issues-title">
            {problems} problem{problems === 1 ? '' : 's'} kept this from saving. Select one to see where it is.
          </p>
          <ul>
            {issues.map((issue, i) => (
              <li key={i}>
                <button
                  type="button"
                  className="wf-issue"
                  onClick={() => {
                    if (issue.node_id) select(new Set([issue.node_id]));
                    else if (issue.edge_id) select(new Set(), new Set([issue.edge_id]));
                    const n = nodes.find((x) => x.id === issue.node_id);
                    if (n) void flow.setCenter(n.position.x + 110, n.position.y + 40, { duration: 200, zoom: flow.getZoom() });
                  }}
                >
                  <span className="wf-issue-where">{issue.node_id ?? issue.edge_id ?? 'Workflow'}</span> {issue.message}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}

      <div className="wf-body">
        <nav className="wf-palette" aria-label="Node palette">
          <p className="wf-palette-title">Add a step</p>
          <p className="wf-palette-hint">Drag onto the canvas, or press to add below the selected step.</p>
          <ul>
            {NODE_TYPES.map((t) => (
              <li key={t.type}>
                <button
                  type="button"
                  className={`wf-palette-item wf-palette-${t.type}`}
                  draggable={!readOnly}
                  disabled={readOnly}
                  title={t.hint}
                  aria-label={`Add ${t.label}`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData('application/x-parley-node', JSON.stringify({ type: t.type }));
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => addNode(t.type)}
                >
                  {t.label}
                </button>
              </li>
            ))}
          </ul>
          <p className="wf-palette-title">Actions</p>
          <ul>
            {catalog.map((a) => (
              <li key={a.kind}>
                <button
                  type="button"
                  className="wf-palette-item wf-palette-action"
                  draggable={!readOnly}
                  disabled={readOnly}
                  aria-label={`Add action ${actionLabel(a.kind)}`}
                  onDragStart={(e) => {
                    e.dataTransfer.setData('application/x-parley-node', JSON.stringify({ type: 'action', action: a.kind }));
                    e.dataTransfer.effectAllowed = 'move';
                  }}
                  onClick={() => addNode('action', a.kind)}
                >
                  {actionLabel(a.kind)}
                </button>
              </li>
            ))}
          </ul>
        </nav>

        <div className="wf-canvas" ref={wrapper} onDragOver={(e) => e.preventDefault()} onDrop={onDrop} aria-label="Workflow canvas" role="application">
          <Marks.Provider value={marks}>
            <ReactFlow<FlowNode, Edge>
              nodes={nodes}
              edges={displayEdges}
              nodeTypes={nodeTypes}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onConnect={onConnect}
              nodesDraggable={!readOnly}
              nodesConnectable={!readOnly}
              deleteKeyCode={readOnly ? null : ['Backspace', 'Delete']}
              fitView
              fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
              minZoom={0.2}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={16} />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable ariaLabel="Overview of the workflow" style={{ width: 140, height: 96 }} />
            </ReactFlow>
          </Marks.Provider>
        </div>

        <aside className="wf-side" aria-label="Selected step">
          {selectedNode ? (
            <NodePanel
              key={selectedNode.id}
              node={selectedNode as unknown as GraphNode}
              nodes={nodes as unknown as GraphNode[]}
              edges={edges as unknown as GraphEdge[]}
              catalog={catalog}
              issues={index.byNode.get(selectedNode.id) ?? []}
              readOnly={readOnly}
              onData={(data) => updateData(selectedNode.id, data)}
              onConnect={(handle, target) => link(selectedNode.id, handle, target)}
              onDelete={deleteSelected}
            />
          ) : selectedEdge ? (
            <section className="wf-panel" aria-label="Edge settings">
              <p className="wf-panel-kind">Edge</p>
              <h2 className="wf-panel-title">
                {selectedEdge.source}
                {selectedEdge.sourceHandle ? ` (${selectedEdge.sourceHandle})` : ''} → {selectedEdge.target}
              </h2>
              {(index.byEdge.get(selectedEdge.id) ?? []).map((i, n) => (
                <p key={n} className="field-error">
                  {i.message}
                </p>
              ))}
              {!readOnly && (
                <Button variant="danger" size="sm" onClick={deleteSelected}>
                  Delete edge
                </Button>
              )}
            </section>
          ) : (
            <section className="wf-panel wf-panel-empty" aria-label="Help">
              <h2 className="wf-panel-title">Select a step to configure it</h2>
              <p>
                Add steps from the palette, then join them: drag from a step's bottom handle to another step, or use “go to” in the
                step's settings. Save checks the whole workflow and marks any problem on its step.
              </p>
              <p className="wf-panel-keys">
                Keys: Delete removes the selection; Ctrl+Z undo, Ctrl+Shift+Z redo; Ctrl+C, Ctrl+V copy and paste.
              </p>
              {test && (
                <Button size="sm" variant="ghost" onClick={() => setTest(null)}>
                  Clear the test path
                </Button>
              )}
            </section>
          )}
        </aside>
      </div>

      <TestDialog
        open={testOpen}
        workflow={wf}
        onClose={() => setTestOpen(false)}
        onResult={(r) => setTest(r)}
        describe={(nodeId) => {
          const n = graph.nodes.find((x) => x.id === nodeId);
          return n ? n.data.label?.trim() || describeNode(n) : nodeId;
        }}
      />
      <VersionsDialog open={versionsOpen} workflowId={wf.id} current={wf.version} readOnly={readOnly} onClose={() => setVersionsOpen(false)} onRestore={loadVersion} />
    </div>
  );
}

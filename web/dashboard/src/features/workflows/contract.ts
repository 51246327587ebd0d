// The workflows API (docs/workflows.md), written by hand in one file so the pages read the
// shapes in one place; the console and analytics routes are this feature's own additions
// (GET /api/v1/executions, /workflows/{id}/analytics). The `unknown` step status and
// POST /executions/{id}/resolve come with the integrations work (shared contract 29).

export type WorkflowStatus = 'draft' | 'active' | 'paused';
export type ExecutionStatus = 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled' | 'filtered';
export type StepStatus = 'running' | 'retrying' | 'waiting' | 'done' | 'failed' | 'cancelled' | 'unknown';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['running', 'waiting', 'completed', 'failed', 'cancelled', 'filtered'];

/** The node types of the graph format (docs/workflows.md, "The graph"). */
export type NodeType = 'trigger' | 'condition' | 'action' | 'delay' | 'split' | 'end';

export interface SplitBranch {
  id: string;
  weight: number;
}

/** A node's `data` as the API stores it; each type uses its own keys. */
export interface NodeData {
  label?: string;
  event?: string;
  filter?: string;
  expression?: string;
  action?: string;
  params?: Record<string, string | number | boolean>;
  retries?: number;
  seconds?: number;
  duration?: string;
  branches?: SplitBranch[];
  [key: string]: unknown;
}

export interface GraphNode {
  id: string;
  type: NodeType;
  position: { x: number; y: number };
  data: NodeData;
}

export interface GraphEdge {
  id?: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  status: WorkflowStatus;
  version: number;
  trigger_event: string;
  created_at: string;
  updated_at: string;
}

export interface WorkflowListItem extends WorkflowSummary {
  last_run_at: string | null;
  runs_7d: number;
  failed_7d: number;
}

export interface WorkflowView extends WorkflowSummary {
  graph: Graph;
  statechart: unknown;
  missing_integrations: string[];
  signing_secret: string | null;
}

export interface VersionView {
  id: string;
  version: number;
  graph: Graph;
  statechart: unknown;
  integrations: string[];
  created_by: string | null;
  created_at: string;
}

export interface WorkflowDocument {
  format?: string;
  name: string;
  description?: string | null;
  graph: Graph;
}

export type ParamKind =
  | { type: 'text' }
  | { type: 'number' }
  | { type: 'bool' }
  | { type: 'url' }
  | { type: 'json' }
  | { type: 'enum'; values: string[] };

export interface ParamSpec {
  name: string;
  kind: ParamKind;
}

export interface ActionSpec {
  kind: string;
  required: ParamSpec[];
  optional: ParamSpec[];
  needs_integration?: string | null;
}

export interface TemplateView {
  slug: string;
  name: string;
  description: string;
  integrations: string[];
  graph: Graph;
}

/** One problem the compiler found (422 `invalid_workflow`, `errors`). */
export interface ValidationIssue {
  node_id?: string | null;
  edge_id?: string | null;
  code: string;
  message: string;
}

export type DryStep =
  | { type: 'branch'; node_id: string; next: string; branch?: string }
  | { type: 'action'; node_id: string; kind: string; input: unknown; retries: number }
  | { type: 'delay'; node_id: string; ms: number; next: string }
  | { type: 'end'; node_id: string; status: string };

export interface TestResult {
  trigger_matches: boolean;
  dry_run: { steps: DryStep[]; complete: boolean };
  context: Record<string, unknown>;
}

export interface ExecutionView {
  id: string;
  workflow_id: string;
  workflow_version_id: string;
  event_id: string;
  event_name: string;
  event_payload: Record<string, unknown>;
  conversation_id: string | null;
  status: ExecutionStatus;
  state: string;
  error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface StepView {
  id: string;
  seq: number;
  node_id: string;
  node_type: string;
  action: string | null;
  status: StepStatus;
  attempt: number;
  branch: string | null;
  input?: unknown;
  output?: unknown;
  error: string | null;
  idempotency_key: string;
  run_after: string | null;
  started_at: string;
  finished_at: string | null;
}

export interface ExecutionDetail {
  execution: ExecutionView;
  steps: StepView[];
}

export interface ExecutionList {
  items: ExecutionView[];
  next_before: string | null;
}

export interface DayView {
  date: string;
  runs: number;
  completed: number;
  failed: number;
  median_ms: number | null;
}

export interface BranchView {
  node_id: string;
  branch: string;
  runs: number;
  completed: number;
  failed: number;
  resolved: number;
  qualified: number;
  /** Runs whose conversation's sentiment is not negative now. */
  recovered: number;
}

export interface AnalyticsView {
  days: DayView[];
  branches: BranchView[];
  complete: boolean;
}

/** `execution.updated` on /api/v1/stream. */
export interface ExecutionEvent {
  execution_id: string;
  workflow_id: string;
  status: ExecutionStatus;
  state: string;
  error: string | null;
}

/** GET /api/v1/integrations (shared contract 29), the part the builder reads. */
export interface IntegrationProvider {
  provider: string;
  name: string;
  state: 'not_configured' | 'disconnected' | 'connected' | 'needs_reconnect' | 'error';
}

// Compile-time checks that what the server's OpenAPI document says it sends fits the
// shapes above (run by `npm run typecheck` after `make openapi`). Graph-valued fields are
// free-form objects in the document, so the checks leave them out.
import type { components } from '../../api/schema';
type Schemas = components['schemas'];
type Fits<Server, Ours> = [Server] extends [Ours] ? true : false;
type Check<T extends true> = T;
export type ContractChecks = [
  Check<Fits<Schemas['ExecutionView'], Omit<ExecutionView, 'event_payload'>>>,
  Check<Fits<Omit<Schemas['StepView'], 'input' | 'output'>, Omit<StepView, 'input' | 'output'>>>,
  Check<Fits<Schemas['ExecutionList'], { items: Array<Omit<ExecutionView, 'event_payload'>>; next_before: string | null }>>,
  Check<Fits<Omit<Schemas['WorkflowListItem'], never>, WorkflowListItem>>,
  Check<Fits<Schemas['ActionSpec'], ActionSpec>>,
  Check<Fits<Schemas['AnalyticsView'], AnalyticsView>>,
  Check<Fits<Omit<Schemas['TemplateView'], 'graph'>, Omit<TemplateView, 'graph'>>>,
  Check<Fits<Omit<Schemas['VersionView'], 'graph'>, Omit<VersionView, 'graph'>>>,
];

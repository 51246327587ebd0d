// Small pieces the workflows pages share (none of them loads the canvas library).
import { Badge, type BadgeTone } from '../../ui/Badge';
import type { ExecutionStatus, StepStatus, WorkflowStatus } from './contract';

const WORKFLOW_TONE: Record<WorkflowStatus, BadgeTone> = { draft: 'neutral', active: 'success', paused: 'warning' };
const WORKFLOW_WORD: Record<WorkflowStatus, string> = { draft: 'Draft', active: 'Active', paused: 'Paused' };

export function StatusBadge({ status }: { status: WorkflowStatus }) {
  return <Badge tone={WORKFLOW_TONE[status] ?? 'neutral'}>{WORKFLOW_WORD[status] ?? status}</Badge>;
}

const RUN_TONE: Record<ExecutionStatus | StepStatus, BadgeTone> = {
  running: 'info',
  waiting: 'info',
  retrying: 'warning',
  completed: 'success',
  done: 'success',
  failed: 'danger',
  cancelled: 'neutral',
  filtered: 'neutral',
  unknown: 'warning',
};

const RUN_WORD: Record<ExecutionStatus | StepStatus, string> = {
  running: 'Running',
  waiting: 'Waiting',
  retrying: 'Retrying',
  completed: 'Completed',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  filtered: 'Filtered',
  unknown: 'Outcome unknown',
};

export function RunBadge({ status }: { status: ExecutionStatus | StepStatus }) {
  return <Badge tone={RUN_TONE[status] ?? 'neutral'}>{RUN_WORD[status] ?? status}</Badge>;
}

export function runWord(status: string): string {
  return RUN_WORD[status as ExecutionStatus] ?? status;
}

/** "1.2 s", "340 ms", "3 min 5 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

/** Between two RFC 3339 times, or up to now while unfinished. */
export function elapsed(from: string, to: string | null, now: number = Date.now()): number | null {
  const a = Date.parse(from);
  const b = to ? Date.parse(to) : now;
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.max(0, b - a);
}

/** `Support escalation` → `support-escalation.parley-workflow.json`. */
export function fileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${slug || 'workflow'}.parley-workflow.json`;
}

/** Saves `value` as a JSON file through the browser's download. */
export function downloadJson(name: string, value: unknown) {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** Words for a failure rate: "2 of 10 failed (20%)". */
export function failureWords(runs: number, failed: number): string {
  if (runs === 0) return 'No runs';
  return `${failed} of ${runs} failed (${Math.round((failed / runs) * 100)}%)`;
}

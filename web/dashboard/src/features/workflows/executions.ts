// The execution console's filters (kept in the address, so a filtered view can be shared
// and survives a reload) and how live events change a loaded list.
import type { ExecutionEvent, ExecutionStatus, ExecutionView } from './contract';
import { EXECUTION_STATUSES } from './contract';

export const RANGES = [
  { value: '', label: 'Any time', ms: 0 },
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

export interface ExecutionFilters {
  status: ExecutionStatus | '';
  workflow: string;
  event: string;
  conversation: string;
  range: string;
}

export const NO_FILTERS: ExecutionFilters = { status: '', workflow: '', event: '', conversation: '', range: '' };

export function filtersFromSearch(search: URLSearchParams | string): ExecutionFilters {
  const q = typeof search === 'string' ? new URLSearchParams(search) : search;
  const status = q.get('status') ?? '';
  const range = q.get('range') ?? '';
  return {
    status: (EXECUTION_STATUSES as readonly string[]).includes(status) ? (status as ExecutionStatus) : '',
    workflow: q.get('workflow') ?? '',
    event: q.get('event') ?? '',
    conversation: q.get('conversation') ?? '',
    range: RANGES.some((r) => r.value === range) ? range : '',
  };
}

export function filtersToSearch(f: ExecutionFilters): string {
  const q = new URLSearchParams();
  for (const key of ['status', 'workflow', 'event', 'conversation', 'range'] as const) {
    if (f[key].trim()) q.set(key, f[key].trim());
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The API query of the filters (`from` is computed from the range at `now`). */
export function executionsQuery(f: ExecutionFilters, before?: string, now: number = Date.now()): Record<string, string | undefined> {
  const range = RANGES.find((r) => r.value === f.range);
  return {
    status: f.status || undefined,
    workflow_id: f.workflow || undefined,
    event: f.event || undefined,
    conversation_id: f.conversation || undefined,
    from: range && range.ms ? new Date(now - range.ms).toISOString() : undefined,
    before,
  };
}

/** Whether a live event's execution could belong in the filtered list (status and workflow; the rest needs a fetch). */
export function eventMatches(f: ExecutionFilters, e: ExecutionEvent): boolean {
  if (f.workflow && e.workflow_id !== f.workflow) return false;
  if (f.status && e.status !== f.status) return false;
  return true;
}

/**
 * A loaded list after an event: the execution's row gets its new status, state and error;
 * `missing` says the event names one the list does not have (fetch it).
 */
export function applyEvent(items: ExecutionView[], e: ExecutionEvent): { items: ExecutionView[]; missing: boolean } {
  const i = items.findIndex((x) => x.id === e.execution_id);
  if (i < 0) return { items, missing: true };
  const next = [...items];
  next[i] = { ...next[i]!, status: e.status, state: e.state, error: e.error, updated_at: new Date().toISOString() };
  return { items: next, missing: false };
}

/** Merges a fresh first page into the loaded list: new ones first, known ones updated, newest first. */
export function mergeNewest(items: ExecutionView[], fresh: ExecutionView[]): ExecutionView[] {
  const byId = new Map(items.map((x) => [x.id, x]));
  for (const x of fresh) byId.set(x.id, x);
  // Ids are UUIDv7: they sort by creation.
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

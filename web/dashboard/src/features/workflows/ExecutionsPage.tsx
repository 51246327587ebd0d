import { useCallback, useMemo, useState } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link, navigate, useLocation } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { Input, Select } from '../../ui/Input';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { EXECUTION_STATUSES, type ExecutionList, type ExecutionStatus, type ExecutionView, type WorkflowListItem } from './contract';
import { NO_FILTERS, RANGES, applyEvent, eventMatches, executionsQuery, filtersFromSearch, filtersToSearch, mergeNewest, type ExecutionFilters } from './executions';
import { EVENTS, eventLabel } from './graph';
import { RunBadge, elapsed, formatDuration, runWord } from './shared';
import { useExecutionEvents } from './useExecutionEvents';
import { workflowsApi } from './workflowsApi';
import './workflows.css';

/** /workflows/executions: runs of every workflow, filtered, live. */
export function ExecutionsPage() {
  return (
    <>
      <PageHeader
        title="Executions"
        description="Every run of every workflow, newest first, updated live as steps finish."
        back={<Link to="/workflows">← Workflows</Link>}
      />
      <ExecutionConsole basePath="/workflows/executions" />
    </>
  );
}

/**
 * The filtered, live list. With `workflowId` it shows that workflow's runs only (the
 * workflow filter is hidden); the filters live in the address under `basePath`.
 */
export function ExecutionConsole({ basePath, workflowId }: { basePath: string; workflowId?: string }) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const { search } = useLocation();
  const filters: ExecutionFilters = { ...filtersFromSearch(search), ...(workflowId ? { workflow: workflowId } : {}) };
  const key = filtersToSearch(filters);
  const workflows = useResource(() => wapi.list(), 'workflows');
  const list = useResource(() => wapi.executions(executionsQuery(filters)), `executions${key}`);
  const [more, setMore] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [conversation, setConversation] = useState(filters.conversation);
  const names = new Map((workflows.data ?? []).map((w: WorkflowListItem) => [w.id, w.name]));

  // On a workflow's own page its id is in the path, not the query.
  const apply = (next: ExecutionFilters) => navigate(`${basePath}${filtersToSearch(workflowId ? { ...next, workflow: '' } : next)}`, { replace: true });

  /** Fetches the first page again and merges it in (new runs appear at the top). */
  const refreshTop = useCallback(async () => {
    try {
      const fresh = await wapi.executions(executionsQuery(filters));
      const current = list.latest();
      if (!current) return;
      list.setData({ items: mergeNewest(current.items, fresh.items), next_before: current.next_before ?? fresh.next_before });
    } catch {
      // The next event or a reload tries again.
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wapi, key]);

  const live = useExecutionEvents((event) => {
    const current = list.latest();
    if (!current) return;
    const { items, missing } = applyEvent(current.items, event);
    if (!missing) {
      // A filter on status: a run that left it stays visible until the next load, marked by its new badge.
      list.setData({ ...current, items });
      // An ended run: fetch it for its end time (the event does not carry it).
      if (['completed', 'failed', 'cancelled', 'filtered'].includes(event.status)) {
        void wapi
          .execution(event.execution_id)
          .then(({ execution }) => {
            const now = list.latest();
            if (now) list.setData({ ...now, items: now.items.map((x) => (x.id === execution.id ? execution : x)) });
          })
          .catch(() => undefined);
      }
    } else if (eventMatches(filters, event)) void refreshTop();
  }, refreshTop);

  const loadMore = async () => {
    const page = list.latest();
    if (!page?.next_before || more.busy) return;
    setMore({ busy: true, error: null });
    try {
      const next = await wapi.executions(executionsQuery(filters, page.next_before));
      const current = list.latest() ?? page;
      list.setData({ items: mergeNewest(current.items, next.items), next_before: next.next_before });
      setMore({ busy: false, error: null });
    } catch (e) {
      setMore({ busy: false, error: errorMessage(e) });
    }
  };

  const filtered = filters.status || filters.event || filters.conversation || filters.range || (!workflowId && filters.workflow);

  return (
    <div className="wf-console">
      <form
        className="wf-filters"
        role="search"
        aria-label="Filter executions"
        onSubmit={(e) => {
          e.preventDefault();
          apply({ ...filters, conversation });
        }}
      >
        <Select aria-label="Status" value={filters.status} onChange={(e) => apply({ ...filters, status: e.target.value as ExecutionStatus | '' })}>
          <option value="">Any status</option>
          {EXECUTION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {runWord(s)}
            </option>
          ))}
        </Select>
        {!workflowId && (
          <Select aria-label="Workflow" value={filters.workflow} onChange={(e) => apply({ ...filters, workflow: e.target.value })}>
            <option value="">Any workflow</option>
            {(workflows.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </Select>
        )}
        <Select aria-label="Trigger" value={filters.event} onChange={(e) => apply({ ...filters, event: e.target.value })}>
          <option value="">Any trigger</option>
          {EVENTS.map((ev) => (
            <option key={ev.value} value={ev.value}>
              {ev.label}
            </option>
          ))}
          {filters.event && !EVENTS.some((ev) => ev.value === filters.event) && <option value={filters.event}>{eventLabel(filters.event)}</option>}
        </Select>
        <Select aria-label="Time range" value={filters.range} onChange={(e) => apply({ ...filters, range: e.target.value })}>
          {RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </Select>
        <Input aria-label="Conversation id" placeholder="Conversation id" className="wf-filter-conv" value={conversation} onChange={(e) => setConversation(e.target.value)} />
        <Button type="submit">Filter</Button>
        {filtered && (
          <Button
            variant="ghost"
            onClick={() => {
              setConversation('');
              apply({ ...NO_FILTERS, workflow: filters.workflow });
            }}
          >
            Clear filters
          </Button>
        )}
        <span className={`wf-live wf-live-${live}`} role="status">
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
        </span>
      </form>

      {list.error !== undefined && list.data === undefined ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <Loading label="Loading executions" />
      ) : (
        <ExecutionTable data={list.data} names={names} showWorkflow={!workflowId} filtered={Boolean(filtered)} />
      )}
      {list.data?.next_before && (
        <div className="wf-more">
          <Button onClick={() => void loadMore()} loading={more.busy}>
            Load more
          </Button>
          {more.error && (
            <p className="form-error" role="alert">
              Could not load more: {more.error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function ExecutionTable({ data, names, showWorkflow, filtered }: { data: ExecutionList; names: Map<string, string>; showWorkflow: boolean; filtered: boolean }) {
  return (
    <Table<ExecutionView>
      label="Executions"
      rows={data.items}
      rowKey={(x) => x.id}
      empty={
        <div className="empty-state">
          <p className="empty-title">{filtered ? 'No executions match these filters' : 'No executions yet'}</p>
          <p className="empty-text">
            {filtered
              ? 'Try another status, trigger or time range.'
              : 'An active workflow runs when its trigger event happens: a visitor’s message, a negative turn, a qualified lead, or POST /api/v1/events.'}
          </p>
        </div>
      }
      columns={[
        {
          key: 'status',
          header: 'Status',
          render: (x) => (
            <Link to={`/workflows/executions/${encodeURIComponent(x.id)}`} className="wf-exec-link" aria-label={`Execution ${x.id}: ${runWord(x.status)}`}>
              <RunBadge status={x.status} />
            </Link>
          ),
        },
        ...(showWorkflow
          ? [
              {
                key: 'workflow',
                header: 'Workflow',
                render: (x: ExecutionView) => (
                  <Link to={`/workflows/${encodeURIComponent(x.workflow_id)}`} className="table-link">
                    {names.get(x.workflow_id) ?? 'Deleted workflow'}
                  </Link>
                ),
              },
            ]
          : []),
        { key: 'trigger', header: 'Trigger', render: (x) => eventLabel(x.event_name) },
        {
          key: 'at',
          header: 'State',
          render: (x) => (x.error ? <span className="wf-exec-error" title={x.error}>{x.error.slice(0, 80)}</span> : <code>{x.state}</code>),
        },
        {
          key: 'conversation',
          header: 'Conversation',
          render: (x) =>
            x.conversation_id ? (
              <Link to={`/inbox/${encodeURIComponent(x.conversation_id)}`} className="table-link">
                Open
              </Link>
            ) : (
              <span className="muted">—</span>
            ),
        },
        {
          key: 'started',
          header: 'Started',
          render: (x) => (
            <time dateTime={x.created_at} title={formatDateTime(x.created_at)}>
              {formatRelative(x.created_at)}
            </time>
          ),
        },
        { key: 'took', header: 'Took', className: 'cell-num', render: (x) => (x.finished_at ? formatDuration(elapsed(x.created_at, x.finished_at)) : '…') },
        {
          key: 'open',
          header: <span className="sr-only">Steps</span>,
          render: (x) => (
            <Link to={`/workflows/executions/${encodeURIComponent(x.id)}`} className="table-link">
              Steps
            </Link>
          ),
        },
      ]}
    />
  );
}

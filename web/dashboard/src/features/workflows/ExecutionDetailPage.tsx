import { useMemo, useState } from 'react';
import { useApi } from '../../api/context';
import { Link } from '../../lib/router';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDateTime } from '../../ui/format';
import { ConfirmDialog } from '../../ui/Modal';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import type { ExecutionDetail, GraphNode, StepView } from './contract';
import { actionLabel, describeNode, eventLabel } from './graph';
import { RunBadge, elapsed, formatDuration } from './shared';
import { useExecutionEvents } from './useExecutionEvents';
import { receiptOf } from './receipt';
import { workflowsApi } from './workflowsApi';
import './workflows.css';

type Pending = { kind: 'resume' } | { kind: 'cancel' } | { kind: 'resolve'; action: 'done' | 'retry'; step: StepView };

const BRANCH_WORDS: Record<string, string> = { true: 'took “true”', false: 'took “false”' };

function Json({ label, value }: { label: string; value: unknown }) {
  if (value === undefined || value === null) return null;
  return (
    <details className="wf-step-json">
      <summary>{label}</summary>
      <pre className="wf-json">{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

/** The vendor's receipt of an integration step, linked to the record where there is one. */
function Receipt({ output }: { output: unknown }) {
  const receipt = receiptOf(output);
  if (!receipt) return null;
  return (
    <p className="wf-step-receipt">
      Receipt:{' '}
      {receipt.href ? (
        <a href={receipt.href} target="_blank" rel="noreferrer">
          {receipt.text}
        </a>
      ) : (
        receipt.text
      )}
    </p>
  );
}

/** /workflows/executions/:id: one run's steps as a timeline, live, with resume and cancel. */
export function ExecutionDetailPage({ id }: { id: string }) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const toast = useToast();
  const manage = canManage(useMe().role);
  const detail = useResource(() => wapi.execution(id), `execution:${id}`);
  const workflowId = detail.data?.execution.workflow_id;
  const versions = useResource(() => (workflowId ? wapi.versions(workflowId).catch(() => []) : Promise.resolve([])), `versions-of:${workflowId ?? ''}`);
  const workflow = useResource(() => (workflowId ? wapi.get(workflowId).catch(() => null) : Promise.resolve(null)), `wf-of:${workflowId ?? ''}`);
  const [pending, setPending] = useState<Pending | null>(null);

  useExecutionEvents(
    (e) => {
      if (e.execution_id === id) void detail.reload();
    },
    () => void detail.reload(),
  );

  if (detail.error !== undefined && !detail.data) return <LoadError error={detail.error} onRetry={detail.reload} />;
  if (!detail.data) return <Loading label="Loading the execution" />;
  const { execution: x, steps } = detail.data;
  const graph = versions.data?.find((v) => v.id === x.workflow_version_id)?.graph;
  const version = versions.data?.find((v) => v.id === x.workflow_version_id)?.version;
  const nodeOf = (nodeId: string): GraphNode | undefined => graph?.nodes.find((n) => n.id === nodeId);
  const unknownSteps = steps.filter((s) => s.status === 'unknown');

  const act = async (p: Pending) => {
    let next: ExecutionDetail | null = null;
    if (p.kind === 'resume') next = await wapi.resume(x.id);
    else if (p.kind === 'cancel') next = await wapi.cancel(x.id);
    else await wapi.resolve(x.id, p.action);
    setPending(null);
    if (next) detail.setData(next);
    else await detail.reload();
    toast(p.kind === 'resume' ? 'Resumed from the failed step' : p.kind === 'cancel' ? 'Cancelled' : p.action === 'done' ? 'Marked as done' : 'Sent again', 'success');
  };

  return (
    <>
      <PageHeader
        back={<Link to="/workflows/executions">← Executions</Link>}
        title={
          <>
            {workflow.data?.name ?? 'Execution'} <RunBadge status={x.status} />
          </>
        }
        description={
          <>
            {eventLabel(x.event_name)} · started {formatDateTime(x.created_at)}
            {x.finished_at ? ` · took ${formatDuration(elapsed(x.created_at, x.finished_at))}` : ''}
            {version ? ` · version ${version}` : ''}
          </>
        }
        actions={
          manage && (
            <>
              {x.status === 'failed' && (
                <Button variant="primary" onClick={() => setPending({ kind: 'resume' })}>
                  Resume
                </Button>
              )}
              {(x.status === 'running' || x.status === 'waiting') && (
                <Button variant="danger" onClick={() => setPending({ kind: 'cancel' })}>
                  Cancel run
                </Button>
              )}
            </>
          )
        }
      />

      <div className="wf-exec-meta">
        <Link to={`/workflows/${encodeURIComponent(x.workflow_id)}`}>Open the workflow</Link>
        {x.conversation_id && <Link to={`/inbox/${encodeURIComponent(x.conversation_id)}`}>Open the conversation</Link>}
        <Json label="Event payload" value={x.event_payload} />
      </div>

      {x.error && (
        <div className="alert alert-error" role="alert">
          {x.error}
        </div>
      )}

      {unknownSteps.length > 0 && manage && (
        <div className="alert alert-warning wf-unknown" role="note">
          A send's outcome is not known (the vendor did not answer in time). Check there, then mark it as done or send it again.
        </div>
      )}

      <ol className="wf-timeline" aria-label="Steps">
        {steps.map((s) => {
          const node = nodeOf(s.node_id);
          const took = elapsed(s.started_at, s.finished_at);
          return (
            <li key={s.id} className={`wf-step wf-step-${s.status}`}>
              <div className="wf-step-head">
                <span className="wf-step-seq">{s.seq}</span>
                <div className="wf-step-title">
                  <strong>{node ? node.data.label?.trim() || describeNode(node) : s.node_id}</strong>
                  <span className="muted">
                    {' '}
                    {s.node_type}
                    {s.action ? ` · ${actionLabel(s.action)}` : ''} · <code>{s.node_id}</code>
                  </span>
                </div>
                <RunBadge status={s.status} />
              </div>
              <div className="wf-step-facts">
                {s.attempt > 1 && <span>Attempt {s.attempt}</span>}
                {s.branch && <span>{s.node_type === 'split' ? `A/B branch ${s.branch}` : (BRANCH_WORDS[s.branch] ?? `took ${s.branch}`)}</span>}
                <span>
                  <time dateTime={s.started_at}>{formatDateTime(s.started_at)}</time>
                  {s.finished_at ? ` · ${formatDuration(took)}` : ''}
                </span>
                {s.run_after && !s.finished_at && <span>Due {formatDateTime(s.run_after)}</span>}
              </div>
              {s.error && <p className="wf-step-error">{s.error}</p>}
              <Receipt output={s.output} />
              <Json label="Input" value={s.input} />
              <Json label="Output" value={s.output} />
              {s.status === 'unknown' && manage && (
                <div className="wf-step-actions">
                  <Button size="sm" onClick={() => setPending({ kind: 'resolve', action: 'done', step: s })}>
                    Mark as done
                  </Button>
                  <Button size="sm" onClick={() => setPending({ kind: 'resolve', action: 'retry', step: s })}>
                    Retry
                  </Button>
                </div>
              )}
            </li>
          );
        })}
        {steps.length === 0 && <li className="muted">No steps yet: the run is about to start.</li>}
      </ol>

      <ConfirmDialog
        open={pending !== null}
        tone={pending?.kind === 'cancel' ? 'danger' : 'primary'}
        title={
          pending?.kind === 'resume'
            ? 'Resume this run?'
            : pending?.kind === 'cancel'
              ? 'Cancel this run?'
              : pending?.kind === 'resolve' && pending.action === 'done'
                ? 'Mark the step as done?'
                : 'Send the step again?'
        }
        confirmLabel={pending?.kind === 'resume' ? 'Resume' : pending?.kind === 'cancel' ? 'Cancel run' : pending?.kind === 'resolve' && pending.action === 'done' ? 'Mark as done' : 'Retry'}
        onCancel={() => setPending(null)}
        onConfirm={() => (pending ? act(pending) : undefined)}
      >
        {pending?.kind === 'resume'
          ? 'The failed step runs again with fresh attempts and the same idempotency key, then the run goes on.'
          : pending?.kind === 'cancel'
            ? 'A step in flight finishes; nothing after it runs.'
            : pending?.kind === 'resolve' && pending.action === 'done'
              ? 'Only if you checked that it reached the vendor: the run goes on as if it succeeded.'
              : 'It may arrive twice if the first send did get through.'}
      </ConfirmDialog>
    </>
  );
}

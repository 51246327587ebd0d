import { useEffect, useState } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Badge, type BadgeTone } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { formatDateTime, formatRelative } from '../../ui/format';
import { AlertsPanel } from './AlertsPanel';
import { REFRESH_MS, SYSTEM_PATH, retryJobPath, type DeadJobView, type SystemView } from './contract';
import { formatAge, formatBytes, formatErrors } from './format';
import './system.css';

type Tab = 'overview' | 'alerts';

/**
 * /system (owners and admins): nodes, database, queue, outbox, model providers,
 * integrations and failed executions, refreshed every 5 seconds; and the Alerts tab.
 */
export function SystemPage() {
  const [tab, setTab] = useState<Tab>(() => (new URLSearchParams(window.location.search).get('tab') === 'alerts' ? 'alerts' : 'overview'));
  return (
    <>
      <PageHeader title="System" description="Nodes, database, job queue, providers and integrations, live." />
      <div className="system-tabs" role="tablist" aria-label="System">
        {(['overview', 'alerts'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={tab === t}
            className={`system-tab${tab === t ? ' is-active' : ''}`}
            onClick={() => setTab(t)}
          >
            {t === 'overview' ? 'Overview' : 'Alerts'}
          </button>
        ))}
      </div>
      {tab === 'overview' ? <Overview /> : <AlertsPanel />}
    </>
  );
}

function Overview() {
  const api = useApi();
  const system = useResource(() => api.send<SystemView>('GET', SYSTEM_PATH), 'system');
  const { reload } = system;
  useEffect(() => {
    const timer = window.setInterval(() => void reload(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  if (system.data === undefined) {
    return system.error !== undefined ? <LoadError error={system.error} onRetry={system.reload} /> : <Loading label="Reading the system" />;
  }
  const s = system.data;
  return (
    <div className="system-grid">
      {system.error !== undefined && (
        <div className="alert alert-error system-wide" role="alert">
          Could not refresh: {errorMessage(system.error)}. Showing what was read {formatRelative(s.now)}.
        </div>
      )}
      {s.firing_alerts.length > 0 && (
        <div className="alert alert-error system-wide" role="alert" aria-label="Alerts firing">
          <strong>{s.firing_alerts.length === 1 ? '1 alert is firing' : `${s.firing_alerts.length} alerts are firing`}</strong>
          <ul className="system-firing">
            {s.firing_alerts.map((a) => (
              <li key={a.alert_key}>
                {a.summary} <span className="muted">(since {formatRelative(a.fired_at)})</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      <Nodes s={s} />
      <Database s={s} />
      <Integrations s={s} />
      <Queue s={s} onChange={() => void system.reload()} />
      <Providers s={s} />
      <FailedExecutions s={s} />
    </div>
  );
}

function statusBadge(status: string) {
  const tone: BadgeTone = status === 'up' || status === 'connected' ? 'success' : status === 'down' || status === 'error' ? 'danger' : 'warning';
  const label = status === 'needs_reconnect' ? 'Needs reconnect' : status.charAt(0).toUpperCase() + status.slice(1);
  return <Badge tone={tone}>{label}</Badge>;
}

function Nodes({ s }: { s: SystemView }) {
  return (
    <Card title="Nodes" headingId="system-nodes" className="system-wide" description="Every running Parley. A node that has not written its heartbeat for 60 seconds is down.">
      <Table
        label="Nodes"
        rows={s.nodes}
        rowKey={(n) => n.id}
        empty="No heartbeat yet: nodes write one every 15 seconds after they start."
        columns={[
          { key: 'host', header: 'Node', render: (n) => <>{n.hostname}{n.this_node && <span className="muted"> (this one)</span>}</> },
          { key: 'status', header: 'Status', render: (n) => statusBadge(n.status) },
          { key: 'version', header: 'Version', render: (n) => n.version },
          { key: 'started', header: 'Started', render: (n) => formatRelative(n.started_at) },
          { key: 'seen', header: 'Last seen', render: (n) => formatRelative(n.last_seen_at) },
          { key: 'workers', header: 'Workers busy', render: (n) => `${n.workers_busy} of ${n.workers}` },
        ]}
      />
    </Card>
  );
}

function Database({ s }: { s: SystemView }) {
  const d = s.database;
  return (
    <Card title="Database" headingId="system-database">
      <dl className="system-facts">
        <dt>Backend</dt>
        <dd>{d.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} {statusBadge(d.status)}</dd>
        <dt>Answers in</dt>
        <dd>{d.latency_ms < 0.1 ? 'under 0.1' : d.latency_ms.toFixed(1)} ms</dd>
        <dt>Size</dt>
        <dd>{formatBytes(d.size_bytes)}</dd>
        <dt>Connections</dt>
        <dd>
          {d.pool.in_use} in use, {d.pool.idle} idle, at most {d.pool.max}
        </dd>
        {d.backend === 'sqlite' && (
          <>
            <dt>Last checkpoint</dt>
            <dd>{d.last_checkpoint_at ? formatRelative(d.last_checkpoint_at) : 'Not since this node started'}</dd>
          </>
        )}
      </dl>
    </Card>
  );
}

function Queue({ s, onChange }: { s: SystemView; onChange: () => void }) {
  const q = s.queue;
  return (
    <Card title="Job queue" headingId="system-queue" className="system-wide">
      <dl className="system-facts">
        <dt>Queued</dt>
        <dd>{q.queued}</dd>
        <dt>Running</dt>
        <dd>{q.running}</dd>
        <dt>Oldest due job waited</dt>
        <dd>{formatAge(q.oldest_due_age_secs)}</dd>
        <dt>Dead-lettered</dt>
        <dd>{q.dead}</dd>
        <dt>Outbox</dt>
        <dd>
          {s.outbox.undispatched} undispatched{s.outbox.undispatched > 0 && `, oldest ${formatAge(s.outbox.oldest_age_secs)}`}
        </dd>
      </dl>
      {q.by_kind.length > 0 && (
        <Table
          label="Jobs by kind"
          rows={q.by_kind}
          rowKey={(k) => k.kind}
          columns={[
            { key: 'kind', header: 'Kind', render: (k) => <code>{k.kind}</code> },
            { key: 'queued', header: 'Queued', render: (k) => k.queued },
            { key: 'running', header: 'Running', render: (k) => k.running },
            { key: 'dead', header: 'Dead', render: (k) => k.dead },
            { key: 'age', header: 'Oldest due', render: (k) => formatAge(k.oldest_due_age_secs) },
          ]}
        />
      )}
      <DeadJobs jobs={q.dead_jobs} elsewhere={q.dead_elsewhere} onChange={onChange} />
    </Card>
  );
}

function DeadJobs({ jobs, elsewhere, onChange }: { jobs: DeadJobView[]; elsewhere: number; onChange: () => void }) {
  const api = useApi();
  const toast = useToast();
  const [busy, setBusy] = useState<string | null>(null);
  const retry = async (job: DeadJobView) => {
    setBusy(job.id);
    try {
      await api.send('POST', retryJobPath(job.id));
      toast(`The ${job.kind} job is queued again`);
      onChange();
    } catch (e) {
      toast(`Could not retry: ${errorMessage(e)}`, 'error');
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="system-dead" aria-label="Dead-lettered jobs" role="group">
      <h3 className="system-subtitle">Dead-lettered jobs of this workspace</h3>
      {jobs.length === 0 ? (
        <p className="muted">None. A job that fails on every attempt lands here with its last error, to retry once the cause is fixed.</p>
      ) : (
        <ul className="system-dead-list">
          {jobs.map((j) => (
            <li key={j.id} className="system-dead-item">
              <div>
                <code>{j.kind}</code> <span className="muted">failed {formatRelative(j.failed_at)} after {j.attempts} attempt{j.attempts === 1 ? '' : 's'}</span>
                <p className="system-error">{j.last_error ?? 'No error was recorded.'}</p>
              </div>
              <Button size="sm" onClick={() => void retry(j)} disabled={busy === j.id} aria-label={`Retry the ${j.kind} job`}>
                {busy === j.id ? 'Retrying…' : 'Retry'}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {elsewhere > 0 && <p className="muted">{elsewhere} more belong to other workspaces or to the server itself (counted only).</p>}
    </div>
  );
}

function Providers({ s }: { s: SystemView }) {
  return (
    <Card title="Model providers" headingId="system-providers" className="system-wide" description="Calls to each bot’s model over the last hour.">
      <Table
        label="Model providers"
        rows={s.providers}
        rowKey={(p) => p.bot_id}
        empty="No bots yet. Create a bot and give it a model to see its calls here."
        columns={[
          { key: 'bot', header: 'Bot', render: (p) => <>{p.bot_name}{p.model && <span className="muted"> · {p.model}</span>}</> },
          { key: 'requests', header: 'Requests', render: (p) => p.requests },
          { key: 'errors', header: 'Errors', render: (p) => <span className={p.errors > 0 ? 'system-bad' : undefined}>{formatErrors(p.errors, p.requests)}</span> },
          { key: 'p50', header: 'p50', render: (p) => (p.p50_ms === null ? '—' : `≤ ${p.p50_ms} ms`) },
          { key: 'p95', header: 'p95', render: (p) => (p.p95_ms === null ? '—' : `≤ ${p.p95_ms} ms`) },
          {
            key: 'last',
            header: 'Last error',
            render: (p) => (p.last_error ? <span title={formatDateTime(p.last_error_at)}>{p.last_error} <span className="muted">({formatRelative(p.last_error_at)})</span></span> : <span className="muted">None</span>),
          },
        ]}
      />
    </Card>
  );
}

function Integrations({ s }: { s: SystemView }) {
  return (
    <Card title="Integrations" headingId="system-integrations">
      <Table
        label="Integrations"
        rows={s.integrations}
        rowKey={(i) => i.provider}
        empty={<>Nothing connected. <Link to="/integrations">Connect Slack, HubSpot or Google Sheets</Link>.</>}
        columns={[
          { key: 'provider', header: 'Provider', render: (i) => <>{i.provider} <span className="muted">{i.account_name}</span></> },
          { key: 'state', header: 'State', render: (i) => statusBadge(i.state) },
          { key: 'error', header: 'Last error', render: (i) => i.last_error ?? <span className="muted">None</span> },
        ]}
      />
    </Card>
  );
}

function FailedExecutions({ s }: { s: SystemView }) {
  return (
    <Card title="Failed executions" headingId="system-failed" className="system-wide">
      <Table
        label="Failed executions"
        rows={s.failed_executions}
        rowKey={(e) => e.id}
        empty="No workflow execution has failed."
        columns={[
          { key: 'wf', header: 'Workflow', render: (e) => <Link to={`/workflows/executions/${e.id}`}>{e.workflow_name || e.event_name}</Link> },
          { key: 'error', header: 'Error', render: (e) => <span className="system-error">{e.error ?? '—'}</span> },
          { key: 'when', header: 'Failed', render: (e) => formatRelative(e.failed_at) },
        ]}
      />
    </Card>
  );
}

import { useMemo, useState } from 'react';
import { useApi } from '../../api/context';
import { Link } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Select } from '../../ui/Input';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import type { AnalyticsView, DayView } from './contract';
import { ExecutionConsole } from './ExecutionsPage';
import { eventLabel } from './graph';
import { StatusBadge, formatDuration } from './shared';
import { workflowsApi } from './workflowsApi';
import './workflows.css';

const WINDOWS = [7, 14, 30, 90];

/** /workflows/:id/runs: the workflow's analytics and its executions. */
export function WorkflowRunsPage({ id }: { id: string }) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const wf = useResource(() => wapi.get(id), `workflow:${id}`);
  const [days, setDays] = useState(14);
  const analytics = useResource(() => wapi.analytics(id, days), `analytics:${id}:${days}`);
  if (wf.error !== undefined && !wf.data) return <LoadError error={wf.error} onRetry={wf.reload} />;
  if (!wf.data) return <Loading label="Loading the workflow" />;
  return (
    <>
      <PageHeader
        back={<Link to="/workflows">← Workflows</Link>}
        title={
          <>
            {wf.data.name} <StatusBadge status={wf.data.status} />
          </>
        }
        description={`${eventLabel(wf.data.trigger_event)} · version ${wf.data.version}`}
        actions={
          <Link to={`/workflows/${encodeURIComponent(id)}`} className="btn btn-secondary">
            Open the builder
          </Link>
        }
      />
      <section className="wf-analytics" aria-labelledby="wf-analytics-title">
        <div className="wf-section-head">
          <h2 id="wf-analytics-title" className="wf-section-title">
            Analytics
          </h2>
          <Select aria-label="Days" value={days} onChange={(e) => setDays(Number(e.target.value))} className="wf-days">
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </Select>
        </div>
        {analytics.error !== undefined && !analytics.data ? (
          <LoadError error={analytics.error} onRetry={analytics.reload} />
        ) : !analytics.data ? (
          <Loading label="Loading analytics" />
        ) : (
          <Analytics data={analytics.data} />
        )}
      </section>
      <section aria-labelledby="wf-runs-title">
        <h2 id="wf-runs-title" className="wf-section-title">
          Executions
        </h2>
        <ExecutionConsole basePath={`/workflows/${encodeURIComponent(id)}/runs`} workflowId={id} />
      </section>
    </>
  );
}

function totals(days: DayView[]) {
  return days.reduce((t, d) => ({ runs: t.runs + d.runs, completed: t.completed + d.completed, failed: t.failed + d.failed }), { runs: 0, completed: 0, failed: 0 });
}

function Analytics({ data }: { data: AnalyticsView }) {
  const t = totals(data.days);
  const max = Math.max(1, ...data.days.map((d) => d.runs));
  const medians = data.days.map((d) => d.median_ms).filter((m): m is number => m !== null);
  return (
    <>
      <dl className="wf-kpis">
        <div>
          <dt>Runs</dt>
          <dd>{t.runs}</dd>
        </div>
        <div>
          <dt>Completed</dt>
          <dd>{t.completed}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd className={t.failed ? 'wf-failing' : undefined}>{t.failed}</dd>
        </div>
        <div>
          <dt>Typical duration</dt>
          <dd>{medians.length ? formatDuration(medians.sort((a, b) => a - b)[Math.floor(medians.length / 2)]) : '—'}</dd>
        </div>
      </dl>
      {!data.complete && <p className="muted">Only the first 50,000 runs of this window are counted.</p>}
      <figure className="wf-chart">
        <svg viewBox={`0 0 ${data.days.length * 20} 100`} preserveAspectRatio="none" role="img" aria-label={`Runs per day: ${data.days.map((d) => `${d.date} ${d.runs}`).join(', ')}`}>
          {data.days.map((d, i) => {
            const h = (d.runs / max) * 96;
            const f = (d.failed / max) * 96;
            return (
              <g key={d.date}>
                <rect x={i * 20 + 3} y={100 - h} width={14} height={h} className="wf-bar" />
                <rect x={i * 20 + 3} y={100 - f} width={14} height={f} className="wf-bar-failed" />
              </g>
            );
          })}
        </svg>
        <figcaption className="muted">Runs per day (failed in red), {data.days[0]?.date} to {data.days[data.days.length - 1]?.date}</figcaption>
      </figure>
      <details className="wf-days-table">
        <summary>Per day</summary>
        <table className="table" aria-label="Runs per day">
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col" className="cell-num">Runs</th>
              <th scope="col" className="cell-num">Completed</th>
              <th scope="col" className="cell-num">Failed</th>
              <th scope="col" className="cell-num">Median duration</th>
            </tr>
          </thead>
          <tbody>
            {[...data.days].reverse().map((d) => (
              <tr key={d.date}>
                <td>{d.date}</td>
                <td className="cell-num">{d.runs}</td>
                <td className="cell-num">{d.completed}</td>
                <td className="cell-num">{d.failed}</td>
                <td className="cell-num">{formatDuration(d.median_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {data.branches.length > 0 && (
        <div className="wf-branches-table">
          <h3 className="wf-subtitle">A/B branches</h3>
          <table className="table" aria-label="A/B branches">
            <thead>
              <tr>
                <th scope="col">Split</th>
                <th scope="col">Branch</th>
                <th scope="col" className="cell-num">Runs</th>
                <th scope="col" className="cell-num">Completed</th>
                <th scope="col" className="cell-num">Failed</th>
                <th scope="col" className="cell-num">Resolved</th>
                <th scope="col" className="cell-num">Lead qualified</th>
                <th scope="col" className="cell-num">Mood recovered</th>
              </tr>
            </thead>
            <tbody>
              {data.branches.map((b) => (
                <tr key={`${b.node_id}:${b.branch}`}>
                  <td>
                    <code>{b.node_id}</code>
                  </td>
                  <td>{b.branch}</td>
                  <td className="cell-num">{b.runs}</td>
                  <td className="cell-num">{b.completed}</td>
                  <td className="cell-num">{b.failed}</td>
                  <td className="cell-num">{pct(b.resolved, b.runs)}</td>
                  <td className="cell-num">{pct(b.qualified, b.runs)}</td>
                  <td className="cell-num">{pct(b.recovered, b.runs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function pct(n: number, of: number): string {
  return of ? `${n} (${Math.round((n / of) * 100)}%)` : '—';
}

import { useEffect, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import type { Bot } from '../../api/types';
import { Link, navigate, useLocation } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Select } from '../../ui/Input';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import {
  LIVE_DEBOUNCE_MS,
  LIVE_EVENTS,
  PRESETS,
  drillDown,
  exportHref,
  filtersFromSearch,
  filtersToSearch,
  formatDelta,
  formatValue,
  higherIsBetter,
  linePoints,
  query,
  type AnalyticsFilters,
  type GapList,
  type Kpi,
  type Series,
  type Summary,
} from './analytics';
import './analytics.css';

/**
 * Refetches (debounced) whenever a live event that can move a number arrives on the
 * dashboard's event stream; the rollup behind the numbers is updated by the dispatcher
 * moments after the event, which the debounce also covers.
 */
function useLiveRefetch(refetch: () => void) {
  const latest = useRef(refetch);
  latest.current = refetch;
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/stream', { withCredentials: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onEvent = () => {
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(), LIVE_DEBOUNCE_MS);
    };
    source.onopen = () => setLive(true);
    source.onerror = () => setLive(source.readyState === EventSource.OPEN);
    for (const type of LIVE_EVENTS) source.addEventListener(type, onEvent);
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, []);
  return live;
}

function KpiCard({ kpi, href }: { kpi: Kpi; href: string }) {
  const delta = formatDelta(kpi.delta_pct);
  const good = kpi.delta_pct !== null && (kpi.delta_pct > 0) === higherIsBetter(kpi.key);
  return (
    <Link to={href} className="kpi-card" data-kpi={kpi.key} aria-label={`${kpi.label}: ${formatValue(kpi)}, open the conversations`}>
      <span className="kpi-label">{kpi.label}</span>
      <span className="kpi-value">{formatValue(kpi)}</span>
      <span className={`kpi-delta ${delta ? (good ? 'kpi-good' : 'kpi-bad') : ''}`}>
        {delta ? `${delta} vs previous period` : 'no earlier data'}
      </span>
    </Link>
  );
}

function LineChart({ series, label }: { series: Series[]; label: string }) {
  const W = 640;
  const H = 160;
  const colors = ['#4f46e5', '#0ea5e9'];
  const points = series[0]?.points ?? [];
  const first = points[0];
  const last = points[points.length - 1];
  const max = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.value)));
  return (
    <figure className="analytics-chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="none">
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} x1="0" x2={W} y1={H * f} y2={H * f} className="chart-grid" />
        ))}
        {series.map((s, i) => (
          <polyline
            key={s.metric}
            points={linePoints(
              s.points.map((p) => p.value),
              W,
              H,
              max,
            )}
            fill="none"
            stroke={colors[i % colors.length]}
            strokeWidth="2"
            vectorEffect="non-scaling-stroke"
          />
        ))}
      </svg>
      <figcaption className="chart-legend">
        {series.map((s, i) => (
          <span key={s.metric}>
            <i style={{ background: colors[i % colors.length] }} /> {s.metric} ({s.points.reduce((a, p) => a + p.value, 0).toLocaleString('en-US')})
          </span>
        ))}
        {first && last && (
          <span className="chart-range">
            {first.t.slice(0, 10)} – {last.t.slice(0, 10)} (UTC, peak {max})
          </span>
        )}
      </figcaption>
    </figure>
  );
}

function Bars({ items, hrefOf, label }: { items: { name: string; count: number }[]; hrefOf: (name: string) => string; label: string }) {
  const max = Math.max(1, ...items.map((i) => i.count));
  if (items.length === 0) return <p className="muted">Nothing yet in this period.</p>;
  return (
    <ul className="analytics-bars" aria-label={label}>
      {items.map((i) => (
        <li key={i.name}>
          <Link to={hrefOf(i.name)}>
            <span className="bar-name">{i.name}</span>
            <span className="bar-track">
              <span className={`bar-fill bar-${i.name}`} style={{ width: `${(i.count / max) * 100}%` }} />
            </span>
            <span className="bar-count">{i.count.toLocaleString('en-US')}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** Unanswered questions grouped by topic, with where to write the missing answers. */
function KnowledgeGaps({ gaps, botId }: { gaps: GapList['items']; botId: string }) {
  if (gaps.length === 0) {
    return <p className="muted">Every question in this period got an answer. Questions the bot cannot answer will be grouped here.</p>;
  }
  return (
    <>
      <p className="muted">
        Questions the bot answered with its fallback, grouped by the word they share. Add an FAQ or a document for the largest groups (
        {botId ? <Link to={`/bots/${botId}/faqs`}>this bot's FAQ</Link> : <Link to="/bots">pick a bot's FAQ</Link>}).
      </p>
      <ul className="analytics-gaps" aria-label="Knowledge gaps">
        {gaps.slice(0, 8).map((g) => (
          <li key={g.topic}>
            <span className="gap-topic">{g.topic}</span>
            <span className="gap-count">{g.count.toLocaleString('en-US')} unanswered</span>
            <ul className="gap-examples">
              {g.examples.slice(0, 3).map((q) => (
                <li key={q}>“{q}”</li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </>
  );
}

/** /analytics: how many came, how they felt, what the bot solved, which leads arrived. */
export function AnalyticsPage() {
  const api = useApi();
  const { search } = useLocation();
  const filters = filtersFromSearch(search.toString());
  const key = filtersToSearch(filters);
  // "Now" is fixed per filter change and refetch, so the period does not creep while open.
  const [now, setNow] = useState(() => Date.now());
  const bots = useResource(() => api.bots.list(), 'bots');
  const data = useResource(async () => {
    // Days are the workspace's days: its zone decides where "today" begins.
    const workspace = await api.send<{ time_zone: string | null }>('GET', '/api/v1/workspace');
    const timeZone = workspace.time_zone ?? 'UTC';
    const q = query({ ...filters, timeZone }, now);
    const [summary, conversations, messages, gaps] = await Promise.all([
      api.send<Summary>('GET', '/api/v1/analytics/summary', { query: { ...q, compare: 'previous' } }),
      api.send<Series>('GET', '/api/v1/analytics/timeseries', { query: { ...q, metric: 'conversations', bucket: filters.preset === 'today' ? 'hour' : 'day' } }),
      api.send<Series>('GET', '/api/v1/analytics/timeseries', { query: { ...q, metric: 'messages', bucket: filters.preset === 'today' ? 'hour' : 'day' } }),
      api.send<GapList>('GET', '/api/v1/analytics/gaps', { query: q }),
    ]);
    return { summary, series: [conversations, messages], gaps: gaps.items, timeZone };
  }, `analytics${key}:${now}`);
  const live = useLiveRefetch(() => void data.reload());

  const apply = (next: AnalyticsFilters) => {
    setNow(Date.now());
    navigate(`/analytics${filtersToSearch(next)}`, { replace: true });
  };
  const d = data.data;
  // Links and exports cover the same days as the numbers.
  const zoned = { ...filters, timeZone: d?.timeZone };

  return (
    <>
      <PageHeader
        title="Analytics"
        description={
          <>
            Conversations, mood, resolutions, leads and automations.{' '}
            {d && d.timeZone === 'UTC' ? (
              <>
                Days are UTC days (<Link to="/settings">set the workspace's time zone</Link>).{' '}
              </>
            ) : d ? (
              <>Days are {d.timeZone} days. </>
            ) : null}
            <span className={`live-dot ${live ? 'on' : ''}`} role="status">
              {live ? 'Live' : 'Not live: refresh to update'}
            </span>
          </>
        }
        actions={
          <div className="analytics-exports">
            <a className="btn btn-secondary" href={exportHref('daily', zoned, now)} download data-export="daily">
              Export daily CSV
            </a>
            <a className="btn btn-secondary" href={exportHref('intents', zoned, now)} download>
              Intents CSV
            </a>
          </div>
        }
      />
      <div className="analytics-filters">
        <label>
          Period
          <Select value={filters.preset} onChange={(e) => apply({ ...filters, preset: e.target.value as AnalyticsFilters['preset'] })} aria-label="Period">
            {PRESETS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </Select>
        </label>
        <label>
          Bot
          <Select value={filters.botId} onChange={(e) => apply({ ...filters, botId: e.target.value })} aria-label="Bot">
            <option value="">All bots</option>
            {(bots.data ?? []).map((b: Bot) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </Select>
        </label>
      </div>
      {data.error !== undefined && !d ? (
        <LoadError error={data.error} onRetry={() => void data.reload()} />
      ) : !d ? (
        <Loading label="Loading analytics" />
      ) : (
        <>
          {d.summary.kpis[0]?.value === 0 && (
            <p className="analytics-empty">
              No conversations in this period yet. Put the widget on your site (Bots → Install), or run <code>parley demo generate</code> for sample data.
            </p>
          )}
          <section className="kpi-grid" aria-label="Key figures">
            {d.summary.kpis.map((k) => (
              <KpiCard key={k.key} kpi={k} href={drillDown(k.key, zoned, now)} />
            ))}
          </section>
          <section className="analytics-panels">
            <div className="card analytics-panel wide">
              <h2 className="card-title">Conversations and messages</h2>
              <LineChart series={d.series} label="Conversations and visitor messages per day" />
            </div>
            <div className="card analytics-panel">
              <h2 className="card-title">Sentiment of visitor messages</h2>
              <Bars
                label="Sentiment distribution"
                items={d.summary.sentiment}
                hrefOf={(name) => drillDown(name === 'negative' ? 'negative_share' : 'conversations', zoned, now)}
              />
            </div>
            <div className="card analytics-panel">
              <h2 className="card-title">Top intents</h2>
              <Bars label="Intents by count" items={d.summary.intents} hrefOf={(name) => drillDown('intents', zoned, now, { intent: name })} />
            </div>
            <div className="card analytics-panel">
              <h2 className="card-title">Qualified leads by priority</h2>
              <Bars label="Leads by priority" items={d.summary.leads} hrefOf={(name) => drillDown('leads', zoned, now, name === 'cold' ? {} : { lead: name })} />
            </div>
            <div className="card analytics-panel wide" data-panel="gaps">
              <h2 className="card-title">Knowledge gaps</h2>
              <KnowledgeGaps gaps={d.gaps} botId={filters.botId} />
            </div>
            <div className="card analytics-panel">
              <h2 className="card-title">Automations by status</h2>
              <Bars label="Executions by status" items={d.summary.executions} hrefOf={(name) => `/workflows/executions?status=${encodeURIComponent(name)}`} />
            </div>
          </section>
        </>
      )}
    </>
  );
}

// The analytics page's pure parts: date presets, the API query they make, number
// formats, Δ% labels and the inbox links ("drill-down") behind every number.
import type { components } from '../../api/schema';

export type Summary = components['schemas']['Summary'];
export type Kpi = components['schemas']['Kpi'];
export type Series = components['schemas']['Series'];
export type GapList = components['schemas']['GapList'];

export type Preset = 'today' | '7d' | '30d' | '90d';

export const PRESETS: ReadonlyArray<{ value: Preset; label: string }> = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
];

export interface AnalyticsFilters {
  preset: Preset;
  botId: string;
  /** The workspace's IANA time zone: days are its days. */
  timeZone?: string;
}

const DAY_MS = 86_400_000;

/** The filters a URL query names; anything unknown is the default (30 days, every bot). */
export function filtersFromSearch(search: string): AnalyticsFilters {
  const params = new URLSearchParams(search);
  const preset = params.get('range') ?? '';
  return {
    preset: PRESETS.some((p) => p.value === preset) ? (preset as Preset) : '30d',
    botId: params.get('bot') ?? '',
  };
}

export function filtersToSearch(f: AnalyticsFilters): string {
  const params = new URLSearchParams();
  if (f.preset !== '30d') params.set('range', f.preset);
  if (f.botId) params.set('bot', f.botId);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** How far `timeZone`'s clocks are ahead of UTC at `ms`, in milliseconds. */
function offsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return local - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The start of the day in `timeZone` that contains `ms` (the zone's midnight, as UTC ms). */
export function startOfDay(ms: number, timeZone = 'UTC'): number {
  const offset = offsetMs(ms, timeZone);
  const guess = Math.floor((ms + offset) / DAY_MS) * DAY_MS - offset;
  // Across a daylight-saving change the offset at midnight differs from the one now.
  return guess + offset - offsetMs(guess, timeZone);
}

/**
 * The period a preset covers: whole days of the workspace's time zone (as the server counts
 * them), up to the end of today.
 */
export function period(preset: Preset, now: number, timeZone = 'UTC'): { from: Date; to: Date } {
  const endOfToday = startOfDay(startOfDay(now, timeZone) + DAY_MS + 3 * 3_600_000, timeZone);
  const days = preset === 'today' ? 1 : preset === '7d' ? 7 : preset === '30d' ? 30 : 90;
  const from = startOfDay(endOfToday - days * DAY_MS + 3 * 3_600_000, timeZone);
  return { from: new Date(from), to: new Date(endOfToday) };
}

export function query(f: AnalyticsFilters, now: number): Record<string, string> {
  const { from, to } = period(f.preset, now, f.timeZone);
  const q: Record<string, string> = { from: from.toISOString(), to: to.toISOString() };
  if (f.botId) q.bot_id = f.botId;
  return q;
}

export function formatValue(kpi: Pick<Kpi, 'format' | 'value'>): string {
  if (kpi.value === null || kpi.value === undefined) return '—';
  if (kpi.format === 'percent') return `${(kpi.value * 100).toFixed(1)}%`;
  if (kpi.format === 'score') return kpi.value.toFixed(2);
  if (kpi.format === 'duration') return formatDuration(kpi.value);
  return Math.round(kpi.value).toLocaleString('en-US');
}

/** Milliseconds in the largest unit that keeps a readable number: "850 ms", "4.2 min", "1.5 d". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const units: Array<[string, number]> = [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['min', 60_000],
    ['s', 1000],
  ];
  const [unit, size] = units.find(([, size]) => ms >= size) ?? ['s', 1000];
  return `${(ms / size).toFixed(1)} ${unit}`;
}

/** "+12.5%" / "−3.0%", or null when there is nothing to compare with. */
export function formatDelta(delta: number | null | undefined): string | null {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return null;
  const sign = delta > 0 ? '+' : delta < 0 ? '−' : '±';
  return `${sign}${Math.abs(delta).toFixed(1)}%`;
}

/** Whether a rise is good news for this KPI (failures and negativity are not). */
export function higherIsBetter(key: string): boolean {
  return !['handoff_rate', 'negative_share', 'execution_failure_rate', 'unanswered'].includes(key) && !key.endsWith('_ms');
}

/** YYYY-MM-DD (UTC) as the inbox's date filters take it; `to` is inclusive there. */
function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * The inbox list behind a number: the same period and bot, plus what the number counts.
 * Null for numbers that are not lists of conversations (automation failures open the
 * executions page instead).
 */
export function drillDown(key: string, f: AnalyticsFilters, now: number, extra: Record<string, string> = {}): string {
  if (key === 'execution_failure_rate') return '/workflows/executions?status=failed';
  const { from, to } = period(f.preset, now, f.timeZone);
  const params = new URLSearchParams({ status: 'all', from: day(from), to: day(new Date(to.getTime() - DAY_MS)) });
  if (f.botId) params.set('bot', f.botId);
  if (key === 'resolved' || key === 'bot_resolution_rate') params.set('status', 'resolved');
  if (key === 'handoff_rate') params.set('view', 'waiting');
  if (key === 'negative_share' || key === 'avg_sentiment') params.set('sentiment', 'negative');
  if (key === 'leads' || key === 'lead_conversion') params.set('lead', 'warm');
  for (const [k, v] of Object.entries(extra)) params.set(k, v);
  return `/inbox?${params.toString()}`;
}

export function exportHref(table: 'daily' | 'intents' | 'executions', f: AnalyticsFilters, now: number): string {
  const params = new URLSearchParams({ ...query(f, now), table });
  return `/api/v1/analytics/export.csv?${params.toString()}`;
}

/** Live events that can move a number on the page. */
export const LIVE_EVENTS = ['message.created', 'conversation.updated', 'execution.updated'] as const;
/** Wait this long after the last live event before refetching: a burst costs one request. */
export const LIVE_DEBOUNCE_MS = 800;

/**
 * Points of a line chart in a `width`×`height` box (y grows downwards), scaled to `max`
 * (default: the largest value), so several lines can share one scale.
 */
export function linePoints(values: number[], width: number, height: number, max = Math.max(1, ...values)): string {
  if (values.length === 0) return '';
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * height).toFixed(1)}`).join(' ');
}

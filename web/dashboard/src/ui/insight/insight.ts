// Insight without React, shared by the inbox and the intents page: how
// sentiment scores, intents, lead signals and lead fields read as text, and the
// geometry of a conversation's sentiment sparkline.
import type { InboxMessage } from '../../api/conversations';
import type { IntentMatch, LeadFields, Priority, SentimentLabel, Signal, Trend } from '../../api/insight';

/**
 * The server's default intent threshold: an intent at or above it counts
 * (fires `intent.detected`, adds lead points); below it the match is only a hint.
 */
export const INTENT_THRESHOLD = 0.6;

/** A score with its sign and two decimals: "+0.45", "-0.62", "0.00". */
export function formatScore(score: number): string {
  const fixed = (Number.isFinite(score) ? score : 0).toFixed(2);
  if (fixed === '0.00' || fixed === '-0.00') return '0.00';
  return score > 0 ? `+${fixed}` : fixed;
}

/**
 * The label of a score the server sent without one (averages): VADER's
 * ±0.05 band for neutral, as the server labels single messages.
 */
export function labelOf(score: number): SentimentLabel {
  if (score >= 0.05) return 'positive';
  if (score <= -0.05) return 'negative';
  return 'neutral';
}

/** What a screen reader hears for a sentiment badge: "Sentiment: negative (-0.62)". */
export function sentimentText(label: SentimentLabel, score: number): string {
  return `Sentiment: ${label} (${formatScore(score)})`;
}

/** "demo_request" -> "demo request": intent names are identifiers, chips read as words. */
export function intentLabel(name: string): string {
  return name.replace(/_/g, ' ');
}

/** The chip's tooltip: confidence as a percentage, the words that matched and the lead points at stake. */
export function intentTitle(m: IntentMatch, threshold: number = INTENT_THRESHOLD): string {
  const pct = `${Math.round(m.confidence * 100)}% confident`;
  const weak = m.confidence < threshold ? ', below the detection threshold' : '';
  const evidence = m.evidence.length > 0 ? ` · matched “${m.evidence.join('”, “')}”` : '';
  const points = m.lead_points ? ` · ${formatPoints(m.lead_points)} lead points` : '';
  return `${intentLabel(m.intent)}: ${pct}${weak}${evidence}${points}`;
}

export const PRIORITY_LABEL: Record<Priority, string> = { hot: 'Hot lead', warm: 'Warm lead', cold: 'Cold lead' };

export const TREND_ARROW: Record<Trend, string> = { improving: '↗', steady: '→', worsening: '↘' };

const SIGNAL_NAMES: Record<string, string> = {
  email_domain: 'Email domain',
  company: 'Company',
  name: 'Name',
  phone: 'Phone',
  quantity: 'Quantity',
  budget: 'Budget',
  team_size: 'Team size',
  timeline: 'Timeline',
  urgency: 'Urgency',
  cap: 'Capped at 100',
  floor: 'Floored at 0',
};

/**
 * A signal's stable identifier as words: "intent:bulk_order" -> "Intent: bulk order",
 * "engagement:messages" -> "Engagement: messages". Unknown names still read sensibly.
 */
export function signalLabel(name: string): string {
  const known = SIGNAL_NAMES[name];
  if (known) return known;
  const [head = '', ...rest] = name.split(':');
  const words = (s: string) => s.replace(/_/g, ' ');
  const first = words(head);
  const title = first.charAt(0).toUpperCase() + first.slice(1);
  return rest.length > 0 ? `${title}: ${words(rest.join(':'))}` : title;
}

/** Points with their sign: "+20", "-5", "0". */
export function formatPoints(points: number): string {
  return points > 0 ? `+${points}` : String(points);
}

/** The breakdown's total; the server keeps it equal to the score (cap and floor signals absorb the rest). */
export function breakdownTotal(breakdown: readonly Signal[]): number {
  return breakdown.reduce((sum, s) => sum + s.points, 0);
}

function formatMoney(amount: number, currency: string): string {
  if (!currency) return amount.toLocaleString('en-US');
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(amount);
  } catch {
    // Not a code Intl knows: say it plainly rather than fail.
    return `${amount.toLocaleString('en-US')} ${currency}`;
  }
}

/** The lead fields that were stated, as label/value rows in a fixed order (absent and null both mean "not stated"). */
export function leadFieldRows(fields: LeadFields): Array<{ label: string; value: string }> {
  const { quantity, budget, team_size: teamSize } = fields;
  const rows: Array<{ label: string; value: string | null | undefined }> = [
    { label: 'Name', value: fields.name },
    { label: 'Email', value: fields.email },
    { label: 'Company', value: fields.company },
    { label: 'Phone', value: fields.phone },
    { label: 'Quantity', value: quantity ? `${quantity.value.toLocaleString('en-US')} ${quantity.unit}`.trim() : null },
    { label: 'Budget', value: budget ? formatMoney(budget.amount, budget.currency) : null },
    { label: 'Team size', value: teamSize == null ? null : String(teamSize) },
    { label: 'Timeline', value: fields.timeline },
    { label: 'Urgent', value: fields.urgent ? 'Yes' : null },
  ];
  return rows.filter((r): r is { label: string; value: string } => r.value != null && r.value !== '');
}

/** The visitor messages' sentiment scores, in conversation order (messages without insight are skipped). */
export function visitorScores(messages: readonly InboxMessage[]): number[] {
  return messages.flatMap((m) => (m.role === 'visitor' && m.insight ? [m.insight.sentiment.score] : []));
}

export interface SparklineGeometry {
  /** One point per score, in SVG user units. */
  points: Array<{ x: number; y: number }>;
  /** The polyline through them ("M x y L x y …"); a single point has a path of one move. */
  path: string;
  /** Where score 0 is, for the zero line. */
  zeroY: number;
}

/**
 * Lays out scores in a width×height box with `pad` units kept free at each edge.
 * The vertical scale is fixed to -1…1 rather than fitted to the data, so a flat
 * line means "unchanged", the zero line is always in the same place, and all-equal
 * scores need no special case. One score sits in the middle; none gives null.
 */
export function sparkline(scores: readonly number[], width: number, height: number, pad: number): SparklineGeometry | null {
  if (scores.length === 0) return null;
  const innerW = width - 2 * pad;
  const innerH = height - 2 * pad;
  const y = (score: number) => {
    const s = Number.isFinite(score) ? Math.max(-1, Math.min(1, score)) : 0;
    return round(pad + ((1 - s) / 2) * innerH);
  };
  const x = (i: number) => (scores.length === 1 ? width / 2 : round(pad + (i / (scores.length - 1)) * innerW));
  const points = scores.map((s, i) => ({ x: x(i), y: y(s) }));
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  return { points, path, zeroY: y(0) };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The sparkline's accessible summary. */
export function trendSummary(s: { count: number; first: number; last: number; average: number; trend: Trend }): string {
  if (s.count === 0) return 'Sentiment trend: no visitor messages scored yet.';
  const messages = `${s.count} visitor message${s.count === 1 ? '' : 's'}`;
  return `Sentiment trend over ${messages}: first ${formatScore(s.first)}, last ${formatScore(s.last)}, average ${formatScore(s.average)}, ${s.trend}.`;
}

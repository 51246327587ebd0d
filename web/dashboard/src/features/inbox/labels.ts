// How conversations read in the inbox: who the visitor is, how long they have waited
// for a human, their sentiment's label and their rating.
import type { SentimentLabel } from '../../api/insight';
import { labelOf } from '../../ui/insight/insight';
import type { Summary } from './contract';

/** The visitor's name, else their email, else "Anonymous visitor". */
export function visitorLabel(c: Partial<Pick<Summary, 'visitor_name' | 'visitor_email'>>): string {
  const name = c.visitor_name?.trim();
  if (name) return name;
  const email = c.visitor_email?.trim();
  return email ? email : 'Anonymous visitor';
}

/** The email under the name, when both are known (the label already shows the email otherwise). */
export function visitorSecondary(c: Partial<Pick<Summary, 'visitor_name' | 'visitor_email'>>): string | null {
  const email = c.visitor_email?.trim();
  return c.visitor_name?.trim() && email ? email : null;
}

/**
 * How long a visitor has waited for a human, for a list row: "waiting under 1 min",
 * "waiting 4 min", "waiting 2 h 5 min", "waiting 3 days". Null when not waiting.
 */
export function formatWaiting(since: string | null | undefined, now: number = Date.now()): string | null {
  if (!since) return null;
  const t = Date.parse(since);
  if (Number.isNaN(t)) return null;
  const minutes = Math.floor(Math.max(0, now - t) / 60_000);
  if (minutes < 1) return 'waiting under 1 min';
  if (minutes < 60) return `waiting ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) {
    const rest = minutes % 60;
    return rest ? `waiting ${hours} h ${rest} min` : `waiting ${hours} h`;
  }
  const days = Math.floor(hours / 24);
  return `waiting ${days} day${days === 1 ? '' : 's'}`;
}

/** The conversation's sentiment label: the server's, else read from the score; null before any visitor message. */
export function sentimentLabelOf(c: Partial<Pick<Summary, 'sentiment' | 'sentiment_label'>>): SentimentLabel | null {
  if (c.sentiment_label) return c.sentiment_label;
  return typeof c.sentiment === 'number' ? labelOf(c.sentiment) : null;
}

/** "★★★★☆": a 1-5 rating as five stars, for sighted readers (the text next to it says the same). */
export function stars(score: number): string {
  const n = Math.max(0, Math.min(5, Math.round(score)));
  return '★'.repeat(n) + '☆'.repeat(5 - n);
}

export function ratingText(score: number): string {
  return `Rated ${Math.max(1, Math.min(5, Math.round(score)))} out of 5`;
}

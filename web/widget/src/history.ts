/**
 * The History tab's filter: words, plus an optional date range picked with
 * `<input type=date>` (local calendar days), turned into the API's RFC 3339 bounds.
 */
import type { HistoryFilter } from './api';

export interface HistoryForm {
  text: string;
  /** `yyyy-mm-dd` or "". */
  from: string;
  to: string;
}

/** Local midnight of a `yyyy-mm-dd` day, or null for anything else. */
function localDay(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The query for a form: `from` is the start of its day, `to` the end of its day. */
export function historyQuery(form: HistoryForm): HistoryFilter {
  const q: HistoryFilter = {};
  const text = form.text.trim();
  if (text) q.q = text;
  const from = localDay(form.from);
  if (from) q.from = from.toISOString();
  const to = localDay(form.to);
  if (to) {
    to.setDate(to.getDate() + 1);
    q.to = new Date(to.getTime() - 1).toISOString();
  }
  return q;
}

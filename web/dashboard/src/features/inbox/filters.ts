// The inbox's view and filters, kept in the URL query so a view can be linked and the
// back button works: parsed from and written to the query string, turned into the list
// query of GET /api/v1/conversations, and checked against a conversation on the client
// (live events) as far as the client can tell.
import type { Priority } from '../../api/insight';
import type { ListQuery, Sort, Summary, View } from './contract';

export type StatusFilter = 'open' | 'resolved' | 'all';

export interface InboxFilters {
  view: View;
  botId: string;
  status: StatusFilter;
  q: string;
  /** Local dates, YYYY-MM-DD as an <input type="date"> gives them; '' for none. */
  from: string;
  to: string;
  sentiment: '' | 'negative';
  lead: '' | Exclude<Priority, 'cold'>;
  intent: string;
  tag: string;
  /** '' for the view's own order (longest waiting first in Waiting, newest activity elsewhere). */
  sort: '' | Sort;
}

export const DEFAULT_FILTERS: InboxFilters = {
  view: 'all',
  botId: '',
  status: 'open',
  q: '',
  from: '',
  to: '',
  sentiment: '',
  lead: '',
  intent: '',
  tag: '',
  sort: '',
};
export const PAGE_SIZE = 50;

export const VIEWS: ReadonlyArray<{ value: View; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'waiting', label: 'Waiting for a human' },
  { value: 'mine', label: 'Assigned to me' },
  { value: 'unassigned', label: 'Unassigned' },
];

export const SORTS: ReadonlyArray<{ value: Sort; label: string }> = [
  { value: 'recent', label: 'Newest activity' },
  { value: 'waiting', label: 'Longest waiting' },
  { value: 'lead', label: 'Highest lead score' },
];

const VIEW_VALUES: readonly string[] = VIEWS.map((v) => v.value);
const SORT_VALUES: readonly string[] = SORTS.map((s) => s.value);
const STATUS_VALUES: readonly string[] = ['open', 'resolved', 'all'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filters a URL query names; anything unknown or malformed is the default. */
export function parseFilters(search: URLSearchParams): InboxFilters {
  const get = (key: string) => search.get(key)?.trim() ?? '';
  const view = get('view');
  const status = get('status');
  const sort = get('sort');
  const lead = get('lead');
  const from = get('from');
  const to = get('to');
  return {
    view: VIEW_VALUES.includes(view) ? (view as View) : 'all',
    botId: get('bot'),
    status: STATUS_VALUES.includes(status) ? (status as StatusFilter) : 'open',
    q: search.get('q') ?? '',
    from: DATE.test(from) ? from : '',
    to: DATE.test(to) ? to : '',
    sentiment: get('sentiment') === 'negative' ? 'negative' : '',
    lead: lead === 'hot' || lead === 'warm' ? lead : '',
    intent: get('intent'),
    tag: get('tag'),
    sort: SORT_VALUES.includes(sort) ? (sort as Sort) : '',
  };
}

/** The URL query for the filters, defaults left out, in a stable order ("" for none). */
export function filtersToSearch(filters: InboxFilters): string {
  const params = new URLSearchParams();
  if (filters.view !== 'all') params.set('view', filters.view);
  if (filters.botId) params.set('bot', filters.botId);
  if (filters.status !== 'open') params.set('status', filters.status);
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.sentiment) params.set('sentiment', filters.sentiment);
  if (filters.lead) params.set('lead', filters.lead);
  if (filters.intent.trim()) params.set('intent', filters.intent.trim());
  if (filters.tag.trim()) params.set('tag', filters.tag.trim());
  if (filters.sort) params.set('sort', filters.sort);
  return params.toString();
}

/** The inbox address for a conversation (or none) under these filters. */
export function inboxPath(filters: InboxFilters, conversationId?: string | null): string {
  const search = filtersToSearch(filters);
  const path = conversationId ? `/inbox/${encodeURIComponent(conversationId)}` : '/inbox';
  return search ? `${path}?${search}` : path;
}

/** Whether anything but the view differs from the defaults (for "Reset" and the empty state). */
export function isFiltered(filters: InboxFilters): boolean {
  return filtersToSearch({ ...filters, view: 'all' }) !== '';
}

/** The order the list is in: the chosen one, else the view's own. */
export function effectiveSort(filters: Pick<InboxFilters, 'view' | 'sort'>): Sort {
  return filters.sort || (filters.view === 'waiting' ? 'waiting' : 'recent');
}

function localDay(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!m) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The first instant of a local day, as RFC 3339 (UTC). */
export function startOfDay(value: string): string | undefined {
  return localDay(value)?.toISOString();
}

/** The last millisecond of a local day, as RFC 3339 (UTC): "to" includes the whole day. */
export function endOfDay(value: string): string | undefined {
  const day = localDay(value);
  if (!day) return undefined;
  day.setDate(day.getDate() + 1);
  return new Date(day.getTime() - 1).toISOString();
}

/** What GET /api/v1/conversations gets for the filters (and the page to continue from). */
export function filtersToQuery(filters: InboxFilters, before?: string | null): ListQuery {
  const query: ListQuery = { limit: PAGE_SIZE };
  if (filters.botId) query.bot_id = filters.botId;
  if (filters.status !== 'all') query.status = filters.status;
  const q = filters.q.trim();
  if (q) query.q = q;
  const from = startOfDay(filters.from);
  if (from) query.from = from;
  const to = endOfDay(filters.to);
  if (to) query.to = to;
  if (filters.view !== 'all') query.view = filters.view;
  if (filters.sentiment) query.sentiment = filters.sentiment;
  if (filters.lead) query.lead = filters.lead;
  if (filters.intent.trim()) query.intent = filters.intent.trim();
  if (filters.tag.trim()) query.tag = filters.tag.trim();
  if (filters.sort) query.sort = filters.sort;
  if (before) query.before = before;
  return query;
}

/** "from" after "to" is a mistake worth saying out loud. */
export function dateRangeError(filters: Pick<InboxFilters, 'from' | 'to'>): string | null {
  const from = startOfDay(filters.from);
  const to = endOfDay(filters.to);
  if (from && to && from > to) return '“From” is after “To”.';
  return null;
}

const time = (value: string | null | undefined) => {
  const t = value ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? null : t;
};

/** Newest activity first. */
export function byActivity(a: Summary, b: Summary): number {
  return (time(b.last_message_at) ?? 0) - (time(a.last_message_at) ?? 0);
}

/** The comparator of an order; ties go to the newest activity. */
export function comparator(sort: Sort): (a: Summary, b: Summary) => number {
  switch (sort) {
    case 'waiting':
      // Longest waiting first; those not waiting after all that are.
      return (a, b) => {
        const wa = time(a.waiting_since);
        const wb = time(b.waiting_since);
        if (wa !== null && wb !== null && wa !== wb) return wa - wb;
        if (wa === null && wb !== null) return 1;
        if (wa !== null && wb === null) return -1;
        return byActivity(a, b);
      };
    case 'lead':
      return (a, b) => b.lead_score - a.lead_score || byActivity(a, b);
    case 'recent':
      return byActivity;
  }
}

export function sortItems(items: readonly Summary[], sort: Sort): Summary[] {
  return [...items].sort(comparator(sort));
}

/**
 * Whether a conversation belongs in the list for these filters, as far as the client can
 * tell: false as soon as one filter rules it out, null when one cannot be checked here
 * (text search, dates and intents are the server's, as is a field the event did not carry).
 */
export function matchesFilters(c: Partial<Summary>, filters: InboxFilters, meId: string | null = null): boolean | null {
  const checks: Array<boolean | null> = [];
  const known = <T,>(value: T | undefined, test: (v: T) => boolean) => checks.push(value === undefined ? null : test(value));
  if (filters.botId) known(c.bot_id, (v) => v === filters.botId);
  if (filters.status !== 'all') known(c.status, (v) => v === filters.status);
  if (filters.view === 'waiting') known(c.waiting_since, (v) => v !== null);
  if (filters.view === 'mine') known(c.assignee, (v) => meId !== null && v?.id === meId);
  if (filters.view === 'unassigned') known(c.assignee, (v) => v === null);
  if (filters.sentiment) known(c.sentiment_label, (v) => v === filters.sentiment);
  if (filters.lead) known(c.lead_priority, (v) => v === filters.lead);
  const tag = filters.tag.trim().toLowerCase();
  if (tag) known(c.tags, (v) => v.some((t) => t.toLowerCase() === tag));
  if (filters.q.trim() || filters.from || filters.to || filters.intent.trim()) checks.push(null);
  if (checks.includes(false)) return false;
  if (checks.includes(null)) return null;
  return true;
}

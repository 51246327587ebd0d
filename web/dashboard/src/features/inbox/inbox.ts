// Inbox logic without React: filters to the list query, and live events
// (GET /api/v1/stream) applied to what the page shows.
import type {
  ConversationDetail,
  ConversationQuery,
  ConversationSummary,
  InboxMessage,
  LiveEvent,
} from '../../api/conversations';
import { LIVE_EVENT_TYPES } from '../../api/conversations';

export type StatusFilter = 'open' | 'resolved' | 'all';

export interface InboxFilters {
  botId: string;
  status: StatusFilter;
  q: string;
  /** Local dates, YYYY-MM-DD as an <input type="date"> gives them; '' for none. */
  from: string;
  to: string;
}

export const DEFAULT_FILTERS: InboxFilters = { botId: '', status: 'open', q: '', from: '', to: '' };
export const PAGE_SIZE = 50;

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
export function filtersToQuery(filters: InboxFilters, before?: string | null): ConversationQuery {
  const query: ConversationQuery = { limit: PAGE_SIZE };
  if (filters.botId) query.bot_id = filters.botId;
  if (filters.status !== 'all') query.status = filters.status;
  const q = filters.q.trim();
  if (q) query.q = q;
  const from = startOfDay(filters.from);
  if (from) query.from = from;
  const to = endOfDay(filters.to);
  if (to) query.to = to;
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

/** Newest activity first. */
export function sortByActivity(items: readonly ConversationSummary[]): ConversationSummary[] {
  return [...items].sort((a, b) => Date.parse(b.last_message_at) - Date.parse(a.last_message_at));
}

/**
 * Whether a conversation belongs in the list for these filters, as far as the
 * client can tell: null when it cannot (text search and dates are the server's).
 */
export function matchesFilters(c: ConversationSummary, filters: InboxFilters): boolean | null {
  if (filters.botId && c.bot_id !== filters.botId) return false;
  if (filters.status !== 'all' && c.status !== filters.status) return false;
  if (filters.q.trim() || filters.from || filters.to) return null;
  return true;
}

export function visitorLabel(c: Pick<ConversationSummary, 'visitor_email'>): string {
  return c.visitor_email?.trim() ? c.visitor_email : 'Anonymous visitor';
}

export interface LiveState {
  items: ConversationSummary[];
  detail: ConversationDetail | null;
}

export interface LiveResult {
  state: LiveState;
  /** The list may be missing something the event implies: fetch it again. */
  refetchList: boolean;
}

/** Appends a message unless it is already there (the sender's answer and the event both bring it). */
export function appendMessage(detail: ConversationDetail, message: InboxMessage): ConversationDetail {
  if (detail.messages.some((m) => m.id === message.id)) return detail;
  return {
    ...detail,
    messages: [...detail.messages, message],
    conversation: bumpSummary(detail.conversation, message),
  };
}

/**
 * The open conversation with the insight of a fresh fetch (rolling sentiment, lead score,
 * each message's scores), and everything else as it is now: the fetch answers with the
 * conversation as it was when sent, and a reply, tag or note may have arrived since.
 */
export function withFreshInsight(current: ConversationDetail, fresh: ConversationDetail): ConversationDetail {
  if (fresh.conversation.id !== current.conversation.id) return current;
  const scored = new Map(fresh.messages.map((m) => [m.id, m.insight]));
  return {
    ...current,
    insight: fresh.insight,
    conversation: {
      ...current.conversation,
      sentiment: fresh.conversation.sentiment,
      lead_score: fresh.conversation.lead_score,
      lead_priority: fresh.conversation.lead_priority,
    },
    messages: current.messages.map((m) => (m.insight === null && scored.get(m.id) ? { ...m, insight: scored.get(m.id)! } : m)),
  };
}

/**
 * The open conversation after fetching it again; `sent` is what the page showed when the
 * fetch was sent. Still exactly that: nothing landed meanwhile, so the answer is the newest
 * there is and replaces everything (a poll brings a teammate's tags and notes this way).
 * Anything else: a save's answer or a live event landed while the fetch was on its way and
 * may be newer than the answer (e.g. a tag just added), so only the insight is taken.
 */
export function withFetched(sent: ConversationDetail | null | undefined, current: ConversationDetail, fresh: ConversationDetail): ConversationDetail {
  if (fresh.conversation.id !== current.conversation.id) return current;
  return current === sent ? fresh : withFreshInsight(current, fresh);
}

function bumpSummary(c: ConversationSummary, message: InboxMessage): ConversationSummary {
  const later = Date.parse(message.created_at) >= Date.parse(c.last_message_at);
  return {
    ...c,
    message_count: c.message_count + 1,
    last_message_at: later ? message.created_at : c.last_message_at,
    preview: later && message.role !== 'system' ? message.text : c.preview,
  };
}

/** Applies one stream event to the list and the open conversation. */
export function applyLiveEvent(state: LiveState, event: LiveEvent, filters: InboxFilters): LiveResult {
  switch (event.type) {
    case 'message.created': {
      const { conversation_id: id, message } = event.data;
      let detail = state.detail;
      let alreadyHad = false;
      if (detail && detail.conversation.id === id) {
        alreadyHad = detail.messages.some((m) => m.id === message.id);
        detail = appendMessage(detail, message);
      }
      const at = state.items.findIndex((c) => c.id === id);
      if (at === -1) return { state: { items: state.items, detail }, refetchList: true };
      const current = state.items[at]!;
      const updated =
        detail && detail.conversation.id === id
          ? { ...current, ...detail.conversation }
          : alreadyHad
            ? current
            : bumpSummary(current, message);
      const items = sortByActivity(state.items.map((c) => (c.id === id ? updated : c)));
      return { state: { items, detail }, refetchList: false };
    }
    case 'conversation.updated': {
      const { conversation } = event.data;
      const detail =
        state.detail && state.detail.conversation.id === conversation.id ? { ...state.detail, conversation } : state.detail;
      const present = state.items.some((c) => c.id === conversation.id);
      const fits = matchesFilters(conversation, filters);
      let items = state.items;
      let refetchList = false;
      if (fits === false) {
        items = present ? state.items.filter((c) => c.id !== conversation.id) : state.items;
      } else if (present) {
        items = sortByActivity(state.items.map((c) => (c.id === conversation.id ? conversation : c)));
      } else if (fits === true) {
        items = sortByActivity([conversation, ...state.items]);
      } else {
        refetchList = true;
      }
      return { state: { items, detail }, refetchList };
    }
    case 'conversation.changed': {
      const { conversation_id: id, changes } = event.data;
      const detail =
        state.detail && state.detail.conversation.id === id
          ? { ...state.detail, conversation: { ...state.detail.conversation, ...changes } }
          : state.detail;
      const current = state.items.find((c) => c.id === id);
      if (!current) {
        // Not listed: it may belong now (e.g. reopened); only the server can say.
        return { state: { items: state.items, detail }, refetchList: true };
      }
      const merged = { ...current, ...changes };
      const items =
        matchesFilters(merged, filters) === false
          ? state.items.filter((c) => c.id !== id)
          : sortByActivity(state.items.map((c) => (c.id === id ? merged : c)));
      return { state: { items, detail }, refetchList: false };
    }
    default:
      return { state, refetchList: false };
  }
}

const SUMMARY_FIELDS = [
  'bot_id',
  'visitor_id',
  'visitor_email',
  'status',
  'human_handoff',
  'preview',
  'message_count',
  'tags',
  'created_at',
  'last_message_at',
] as const;
const TIME_FIELDS = new Set(['created_at', 'last_message_at']);

/** RFC 3339 for a time sent as text or as epoch milliseconds; other values as they are. */
function normaliseTime(value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value).toISOString() : value;
}

function normaliseTimes<T extends object>(value: T): T {
  const out = { ...value } as Record<string, unknown>;
  for (const key of TIME_FIELDS) if (key in out) out[key] = normaliseTime(out[key]);
  return out as T;
}

/**
 * A stream event from its SSE name and data; null for anything unexpected.
 * Times sent as epoch milliseconds become RFC 3339 like the REST API's, and a
 * conversation.updated carrying only changed fields becomes conversation.changed.
 */
export function parseLiveEvent(type: string, data: string): LiveEvent | null {
  if (!(LIVE_EVENT_TYPES as readonly string[]).includes(type)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const d = parsed as Record<string, unknown>;
  if (type === 'message.created' && typeof d.conversation_id === 'string' && typeof d.message === 'object' && d.message) {
    const message = normaliseTimes(d.message as InboxMessage);
    return {
      type,
      data: { conversation_id: d.conversation_id, message: { ...message, citations: message.citations ?? [], insight: message.insight ?? null } },
    };
  }
  if (type === 'conversation.updated') {
    if (typeof d.conversation === 'object' && d.conversation && typeof (d.conversation as { id?: unknown }).id === 'string') {
      return { type, data: { conversation: normaliseTimes(d.conversation as ConversationSummary) } };
    }
    if (typeof d.conversation_id === 'string') {
      const changes: Record<string, unknown> = {};
      for (const key of SUMMARY_FIELDS) {
        if (key in d) changes[key] = TIME_FIELDS.has(key) ? normaliseTime(d[key]) : d[key];
      }
      return { type: 'conversation.changed', data: { conversation_id: d.conversation_id, changes: changes as Partial<ConversationSummary> } };
    }
    return null;
  }
  if (type === 'document.updated' && typeof d.bot_id === 'string') {
    return { type, data: d as { bot_id: string; document: unknown } };
  }
  return null;
}

/** Tags after adding one: trimmed, no duplicates (ignoring case), at most 40 characters. */
export function addTag(tags: readonly string[], raw: string): string[] {
  const tag = raw.trim().replace(/\s+/g, ' ').slice(0, 40);
  if (!tag || tags.some((t) => t.toLowerCase() === tag.toLowerCase())) return [...tags];
  return [...tags, tag];
}

export function removeTag(tags: readonly string[], tag: string): string[] {
  return tags.filter((t) => t !== tag);
}

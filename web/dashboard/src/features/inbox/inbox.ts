// Inbox logic without React: live events (GET /api/v1/stream) applied to what the
// page shows, and the stream's events parsed. Filters and views are in filters.ts.
import { LIVE_EVENT_TYPES } from '../../api/conversations';
import type { AnalysisNote, Detail, InboxEvent, Message, Summary } from './contract';
import { applyAnalysisNote } from './imageAnalysis';
import { effectiveSort, matchesFilters, sortItems, type InboxFilters } from './filters';

/** The stream's events the inbox listens to: the API's, and issue 28's handoff request. */
export const INBOX_EVENT_TYPES = [...LIVE_EVENT_TYPES, 'handoff.requested', 'resync', 'image.analyzed'] as const;

export interface LiveState {
  items: Summary[];
  detail: Detail | null;
}

export interface LiveResult {
  state: LiveState;
  /** The list may be missing something the event implies: fetch it again. */
  refetchList: boolean;
}

/** Appends a message unless it is already there (the sender's answer and the event both bring it). */
export function appendMessage(detail: Detail, message: Message): Detail {
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
export function withFreshInsight(current: Detail, fresh: Detail): Detail {
  if (fresh.conversation.id !== current.conversation.id) return current;
  const scored = new Map(fresh.messages.map((m) => [m.id, m.insight]));
  return {
    ...current,
    insight: fresh.insight,
    conversation: {
      ...current.conversation,
      sentiment: fresh.conversation.sentiment,
      sentiment_label: fresh.conversation.sentiment_label,
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
export function withFetched(sent: Detail | null | undefined, current: Detail, fresh: Detail): Detail {
  if (fresh.conversation.id !== current.conversation.id) return current;
  return current === sent ? fresh : withFreshInsight(current, fresh);
}

function bumpSummary(c: Summary, message: Message): Summary {
  const later = Date.parse(message.created_at) >= Date.parse(c.last_message_at);
  return {
    ...c,
    message_count: c.message_count + 1,
    last_message_at: later ? message.created_at : c.last_message_at,
    preview: later && message.role !== 'system' ? message.text : c.preview,
    // An agent's reply answers the request for a human (the server clears it too).
    waiting_since: message.role === 'agent' ? null : c.waiting_since,
  };
}

/** A whole summary from an event: in the list if it fits the filters, out if it does not. */
function placeSummary(state: LiveState, conversation: Summary, filters: InboxFilters, meId: string | null): LiveResult {
  const detail =
    state.detail && state.detail.conversation.id === conversation.id ? { ...state.detail, conversation } : state.detail;
  const present = state.items.some((c) => c.id === conversation.id);
  const fits = matchesFilters(conversation, filters, meId);
  const sort = effectiveSort(filters);
  let items = state.items;
  let refetchList = false;
  if (fits === false) {
    items = present ? state.items.filter((c) => c.id !== conversation.id) : state.items;
  } else if (present) {
    items = sortItems(
      state.items.map((c) => (c.id === conversation.id ? conversation : c)),
      sort,
    );
  } else if (fits === true) {
    items = sortItems([conversation, ...state.items], sort);
  } else {
    refetchList = true;
  }
  return { state: { items, detail }, refetchList };
}

/**
 * An assignee an event names by id only (name ''): the name shown for that id, if any.
 * A different agent's name is not known here (the list is fetched again for it).
 */
function withKnownName(changes: Partial<Summary>, current: Summary | undefined): Partial<Summary> {
  const a = changes.assignee;
  if (a && !a.name && current?.assignee?.id === a.id) return { ...changes, assignee: current.assignee };
  return changes;
}

/** Some fields of a conversation changed: merged into what the list and the pane show. */
function mergeChanges(state: LiveState, id: string, raw: Partial<Summary>, filters: InboxFilters, meId: string | null): LiveResult {
  const open = state.detail && state.detail.conversation.id === id ? state.detail : null;
  const detail = open ? { ...open, conversation: { ...open.conversation, ...withKnownName(raw, open.conversation) } } : state.detail;
  const current = state.items.find((c) => c.id === id);
  if (!current) {
    // Not listed: it may belong now (e.g. reopened, or just assigned to me); only the server can say.
    return { state: { items: state.items, detail }, refetchList: true };
  }
  const changes = withKnownName(raw, current);
  const merged = { ...current, ...changes };
  const items =
    matchesFilters(merged, filters, meId) === false
      ? state.items.filter((c) => c.id !== id)
      : sortItems(
          state.items.map((c) => (c.id === id ? merged : c)),
          effectiveSort(filters),
        );
  const nameless = changes.assignee ? !changes.assignee.name : false;
  return { state: { items, detail }, refetchList: nameless };
}

/**
 * Applies one stream event to the list and the open conversation. `meId` is the signed-in
 * user, for the "Assigned to me" view.
 */
export function applyLiveEvent(state: LiveState, event: InboxEvent, filters: InboxFilters, meId: string | null = null): LiveResult {
  const sort = effectiveSort(filters);
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
      // An agent's reply ends the wait: the Waiting view lets it go.
      const items =
        matchesFilters(updated, filters, meId) === false
          ? state.items.filter((c) => c.id !== id)
          : sortItems(
              state.items.map((c) => (c.id === id ? updated : c)),
              sort,
            );
      return { state: { items, detail }, refetchList: false };
    }
    case 'conversation.updated':
      return placeSummary(state, event.data.conversation, filters, meId);
    case 'handoff.requested':
      return event.data.conversation
        ? placeSummary(state, event.data.conversation, filters, meId)
        : mergeChanges(state, event.data.conversation_id, event.data.changes, filters, meId);
    case 'conversation.changed':
      return mergeChanges(state, event.data.conversation_id, event.data.changes, filters, meId);
    case 'image.analyzed': {
      const detail = state.detail ? applyAnalysisNote(state.detail, event.data.conversation_id, event.data.analysis) : null;
      return { state: { items: state.items, detail }, refetchList: false };
    }
    default:
      return { state, refetchList: false };
  }
}

/** The summary fields a conversation.updated carrying only changes may name. */
const SUMMARY_FIELDS = [
  'bot_id',
  'visitor_id',
  'visitor_email',
  'visitor_name',
  'status',
  'human_handoff',
  'preview',
  'message_count',
  'tags',
  'sentiment',
  'sentiment_label',
  'lead_score',
  'lead_priority',
  'waiting_since',
  'assignee',
  'rating',
  'created_at',
  'last_message_at',
] as const;
const TIME_FIELDS = new Set(['created_at', 'last_message_at', 'waiting_since']);

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
 * The summary fields an event carries, as the REST API has them: times as RFC 3339, an
 * `assignee_id` as an assignee whose name is not known yet (''), a bare rating score as a
 * rating without its comment.
 */
function summaryChanges(d: Record<string, unknown>): Partial<Summary> {
  const changes: Record<string, unknown> = {};
  for (const key of SUMMARY_FIELDS) {
    if (key in d) changes[key] = TIME_FIELDS.has(key) ? normaliseTime(d[key]) : d[key];
  }
  if (!('assignee' in d) && 'assignee_id' in d) {
    const id = d.assignee_id;
    changes.assignee = typeof id === 'string' ? { id, name: '' } : null;
  }
  if (typeof changes.rating === 'number') changes.rating = { score: changes.rating, comment: null };
  return changes as Partial<Summary>;
}

function isSummary(value: unknown): value is Summary {
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string';
}

/**
 * A stream event from its SSE name and data; null for anything unexpected.
 * Times sent as epoch milliseconds become RFC 3339 like the REST API's, and a
 * conversation.updated carrying only changed fields becomes conversation.changed.
 */
export function parseLiveEvent(type: string, data: string): InboxEvent | null {
  if (!(INBOX_EVENT_TYPES as readonly string[]).includes(type)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const d = parsed as Record<string, unknown>;
  if (type === 'message.created' && typeof d.conversation_id === 'string' && typeof d.message === 'object' && d.message) {
    const message = normaliseTimes(d.message as Message);
    return {
      type,
      data: {
        conversation_id: d.conversation_id,
        message: {
          ...message,
          citations: message.citations ?? [],
          insight: message.insight ?? null,
          attachments: message.attachments ?? [],
          author: message.author ?? null,
        },
      },
    };
  }
  if (type === 'conversation.updated') {
    if (isSummary(d.conversation)) return { type, data: { conversation: normaliseTimes(d.conversation) } };
    if (typeof d.conversation_id === 'string') {
      return { type: 'conversation.changed', data: { conversation_id: d.conversation_id, changes: summaryChanges(d) } };
    }
    return null;
  }
  if (type === 'handoff.requested') {
    if (isSummary(d.conversation)) {
      const conversation = normaliseTimes(d.conversation);
      return { type, data: { conversation_id: conversation.id, conversation, changes: {} } };
    }
    if (typeof d.conversation_id === 'string') {
      return { type, data: { conversation_id: d.conversation_id, conversation: null, changes: summaryChanges(d) } };
    }
    return null;
  }
  if (type === 'resync') return { type, data: {} };
  if (type === 'image.analyzed' && typeof d.conversation_id === 'string' && typeof d.analysis === 'object' && d.analysis) {
    const a = d.analysis as AnalysisNote;
    if (typeof a.image_id !== 'string' || typeof a.status !== 'string') return null;
    return { type, data: { conversation_id: d.conversation_id, analysis: a } };
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

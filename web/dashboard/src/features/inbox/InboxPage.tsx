import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import type { ConversationDetail, ConversationList, ConversationSummary, LiveEvent } from '../../api/conversations';
import { errorMessage } from '../../api/errors';
import { Link, navigate } from '../../lib/router';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { Input, Select } from '../../ui/Input';
import { PriorityBadge, SentimentDot } from '../../ui/insight/InsightBadges';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { ConversationPane } from './ConversationPane';
import {
  DEFAULT_FILTERS,
  applyLiveEvent,
  withFetched,
  dateRangeError,
  filtersToQuery,
  sortByActivity,
  visitorLabel,
  type InboxFilters,
  type StatusFilter,
} from './inbox';
import { useLiveEvents } from './useLiveEvents';

const STATUS_OPTIONS: Array<{ value: StatusFilter; label: string }> = [
  { value: 'open', label: 'Open' },
  { value: 'resolved', label: 'Resolved' },
  { value: 'all', label: 'All' },
];

export function InboxPage({ conversationId }: { conversationId?: string | undefined }) {
  const api = useApi();
  const bots = useResource(() => api.bots.list(), 'bots');
  const [filters, setFilters] = useState<InboxFilters>(DEFAULT_FILTERS);
  // The text search is applied a moment after typing stops.
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setFilters((f) => (f.q === typed ? f : { ...f, q: typed })), 300);
    return () => clearTimeout(t);
  }, [typed]);

  const rangeError = dateRangeError(filters);
  const queryKey = JSON.stringify(filtersToQuery(filters));
  const list = useResource<ConversationList>(
    () => (rangeError ? Promise.resolve({ items: [], next_before: null }) : api.conversations.list(filtersToQuery(filters))),
    queryKey,
  );
  const detail = useResource<ConversationDetail | null>(
    () => (conversationId ? api.conversations.get(conversationId) : Promise.resolve(null)),
    `conversation:${conversationId ?? ''}`,
  );
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(undefined);

  // The filters for the event handler, which outlives renders. The list and the
  // conversation are read with latest(), not from the last render: a save's answer and
  // a live event can both land before React renders, and the second must build on the first.
  const latestFilters = useRef(filters);
  latestFilters.current = filters;
  const { setData: setList, reload: reloadList, latest: latestList } = list;
  const { setData: setDetail, latest: latestDetail } = detail;

  const apply = useCallback(
    (event: LiveEvent) => {
      const l = latestList();
      const d = latestDetail();
      const result = applyLiveEvent({ items: l?.items ?? [], detail: d ?? null }, event, latestFilters.current);
      if (l && result.state.items !== l.items) setList({ ...l, items: result.state.items });
      if (d && result.state.detail !== d) setDetail(result.state.detail);
      if (result.refetchList) void reloadList();
    },
    [setList, setDetail, reloadList, latestList, latestDetail],
  );

  /**
   * Fetches the open conversation again: after a visitor message, which changes the
   * insight (rolling sentiment, lead score) that the message event does not carry, and
   * when polling. The list gets its new summary too.
   */
  const refreshDetail = useCallback(
    async (id: string) => {
      const sent = latestDetail();
      let fresh: ConversationDetail;
      try {
        fresh = await api.conversations.get(id);
      } catch {
        return; // The next event or poll brings it.
      }
      const current = latestDetail();
      if (current?.conversation.id !== id) return;
      // What landed meanwhile (a tag, a note, a reply) may be newer than the answer.
      const merged = withFetched(sent, current, fresh);
      apply({ type: 'conversation.updated', data: { conversation: merged.conversation } });
      setDetail(merged);
    },
    [api, apply, setDetail, latestDetail],
  );

  const onEvent = useCallback(
    (event: LiveEvent) => {
      apply(event);
      if (
        event.type === 'message.created' &&
        event.data.message.role === 'visitor' &&
        latestDetail()?.conversation.id === event.data.conversation_id
      ) {
        void refreshDetail(event.data.conversation_id);
      }
    },
    [apply, refreshDetail, latestDetail],
  );
  const poll = useCallback(() => {
    void reloadList();
    const open = latestDetail();
    if (open) void refreshDetail(open.conversation.id);
  }, [reloadList, refreshDetail, latestDetail]);
  const mode = useLiveEvents(api.streamUrl(), onEvent, poll);

  /**
   * Fields a save in the conversation pane changed (status, handoff, tags), from its
   * answer. Only those: the rest of the answer may be older than what the page shows,
   * since another save's answer or a live event may have landed first.
   */
  const onChanges = useCallback(
    (id: string, changes: Partial<ConversationSummary>) => {
      apply({ type: 'conversation.changed', data: { conversation_id: id, changes } });
    },
    [apply],
  );

  /** A change made in the conversation pane (a reply, a note), applied to what it shows now. */
  const onDetail = useCallback(
    (id: string, change: (detail: ConversationDetail) => ConversationDetail) => {
      const current = latestDetail();
      if (current?.conversation.id === id) setDetail(change(current));
    },
    [setDetail, latestDetail],
  );

  const loadMore = async () => {
    const current = list.data;
    if (!current?.next_before) return;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const next = await api.conversations.list(filtersToQuery(filters, current.next_before));
      const seen = new Set(current.items.map((c) => c.id));
      setList({ items: [...current.items, ...next.items.filter((c) => !seen.has(c.id))], next_before: next.next_before });
    } catch (e) {
      setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const botNames = useMemo(() => new Map((bots.data ?? []).map((b) => [b.id, b.name])), [bots.data]);
  const set = <K extends keyof InboxFilters>(key: K, value: InboxFilters[K]) => setFilters((f) => ({ ...f, [key]: value }));
  const filtered = filters.botId !== '' || filters.q !== '' || filters.from !== '' || filters.to !== '' || filters.status !== 'open';

  return (
    <div className="inbox">
      <PageHeader
        title="Inbox"
        description="Conversations with your visitors, newest activity first."
        actions={
          <span className="live-indicator" aria-live="polite">
            {mode === 'live' ? (
              <Badge tone="success">Live</Badge>
            ) : mode === 'polling' ? (
              <span title="The live stream is unavailable; the inbox refreshes every 5 seconds.">
                <Badge tone="neutral">Refreshing every 5 s</Badge>
              </span>
            ) : (
              <Badge tone="neutral">Connecting</Badge>
            )}
          </span>
        }
      />
      <form className="inbox-filters" role="search" aria-label="Filter conversations" onSubmit={(e) => e.preventDefault()}>
        <Select aria-label="Bot" value={filters.botId} onChange={(e) => set('botId', e.target.value)} className="filter-bot">
          <option value="">All bots</option>
          {(bots.data ?? []).map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </Select>
        <fieldset className="segmented" aria-label="Status">
          {STATUS_OPTIONS.map((o) => (
            <label key={o.value} className={filters.status === o.value ? 'segment segment-on' : 'segment'}>
              <input
                type="radio"
                name="status"
                value={o.value}
                checked={filters.status === o.value}
                onChange={() => set('status', o.value)}
              />
              {o.label}
            </label>
          ))}
        </fieldset>
        <Input
          type="search"
          aria-label="Search conversations"
          placeholder="Search messages or email"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          className="filter-search"
        />
        <label className="filter-date">
          <span>From</span>
          <Input type="date" value={filters.from} max={filters.to || undefined} onChange={(e) => set('from', e.target.value)} aria-invalid={rangeError ? true : undefined} />
        </label>
        <label className="filter-date">
          <span>To</span>
          <Input type="date" value={filters.to} min={filters.from || undefined} onChange={(e) => set('to', e.target.value)} aria-invalid={rangeError ? true : undefined} />
        </label>
        {filtered && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              setFilters(DEFAULT_FILTERS);
              setTyped('');
            }}
          >
            Reset
          </Button>
        )}
      </form>
      {rangeError && (
        <p className="form-error filter-error" role="alert">
          {rangeError}
        </p>
      )}

      <div className="inbox-layout">
        <section className="inbox-list" aria-label="Conversations">
          {list.error !== undefined && list.data === undefined ? (
            <LoadError error={list.error} onRetry={list.reload} />
          ) : list.data === undefined ? (
            <Loading label="Loading conversations" />
          ) : list.data.items.length === 0 ? (
            <div className="empty-state">
              <p className="empty-title">No conversations</p>
              <p className="empty-text">
                {filtered ? 'Nothing matches these filters.' : 'When visitors chat with a bot, their conversations appear here.'}
              </p>
            </div>
          ) : (
            <>
              <ul className="conversation-list">
                {sortByActivity(list.data.items).map((c) => {
                  const active = c.id === conversationId;
                  return (
                    <li key={c.id}>
                      <Link
                        to={`/inbox/${encodeURIComponent(c.id)}`}
                        className={active ? 'conversation-row conversation-row-active' : 'conversation-row'}
                        aria-current={active ? 'true' : undefined}
                      >
                        <span className="conversation-row-top">
                          <span className="conversation-visitor">
                            <SentimentDot score={c.sentiment} />
                            {visitorLabel(c)}
                          </span>
                          <time className="conversation-time" dateTime={c.last_message_at} title={formatDateTime(c.last_message_at)}>
                            {formatRelative(c.last_message_at)}
                          </time>
                        </span>
                        <span className="conversation-preview">{c.preview || 'No messages yet'}</span>
                        <span className="conversation-meta">
                          <Badge tone={c.status === 'open' ? 'info' : 'neutral'}>{c.status === 'open' ? 'Open' : 'Resolved'}</Badge>
                          {c.human_handoff && <Badge tone="danger">Human</Badge>}
                          {/* Cold is the default: only leads worth a look get a badge. */}
                          {c.lead_priority !== 'cold' && <PriorityBadge priority={c.lead_priority} />}
                          <span className="conversation-count">
                            {c.message_count} message{c.message_count === 1 ? '' : 's'}
                            {botNames.get(c.bot_id) && ` · ${botNames.get(c.bot_id)}`}
                          </span>
                        </span>
                      </Link>
                    </li>
                  );
                })}
              </ul>
              {list.data.next_before && (
                <div className="list-more">
                  <Button size="sm" onClick={loadMore} loading={loadingMore}>
                    Load more
                  </Button>
                  {moreError !== undefined && <p className="form-error">{errorMessage(moreError)}</p>}
                </div>
              )}
            </>
          )}
        </section>

        <section className="inbox-detail" aria-label="Conversation">
          {!conversationId ? (
            <div className="empty-state">
              <p className="empty-title">No conversation selected</p>
              <p className="empty-text">Pick a conversation to read the transcript, add notes or take over from the bot.</p>
            </div>
          ) : detail.error !== undefined && !detail.data ? (
            <div className="inbox-detail-pad">
              <LoadError error={detail.error} onRetry={detail.reload} />
              <Button size="sm" variant="ghost" onClick={() => navigate('/inbox')}>
                Close
              </Button>
            </div>
          ) : !detail.data ? (
            <Loading label="Loading conversation" />
          ) : (
            <ConversationPane
              key={detail.data.conversation.id}
              detail={detail.data}
              botName={botNames.get(detail.data.conversation.bot_id) ?? null}
              onDetail={onDetail}
              onChanges={onChanges}
            />
          )}
        </section>
      </div>
    </div>
  );
}

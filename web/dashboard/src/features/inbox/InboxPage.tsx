import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link, navigate, useLocation } from '../../lib/router';
import { useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { PriorityBadge, SentimentLabelBadge } from '../../ui/insight/InsightBadges';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import type { Counts, Detail, InboxEvent, Summary, SummaryList } from './contract';
import { ConversationPane } from './ConversationPane';
import { dateRangeError, effectiveSort, filtersToQuery, inboxPath, isFiltered, parseFilters, sortItems, type InboxFilters } from './filters';
import { FilterBar, ViewTabs } from './FilterBar';
import { NotificationsButton } from './HandoffAlerts';
import { applyLiveEvent, withFetched } from './inbox';
import { inboxApi } from './inboxApi';
import { formatWaiting, ratingText, sentimentLabelOf, stars, visitorLabel } from './labels';
import { useLiveEvents } from './useLiveEvents';
import { useNow } from './useNow';
import './inbox.css';

/** Live events come in bursts (a message, its answer, the conversation's update): one counts fetch for each burst. */
const COUNTS_DEBOUNCE_MS = 400;

export function InboxPage({ conversationId }: { conversationId?: string | undefined }) {
  const api = useApi();
  const inbox = useMemo(() => inboxApi(api), [api]);
  const me = useMe();
  const meId = me.user.id;
  const bots = useResource(() => api.bots.list(), 'bots');
  const { search } = useLocation();
  const searchKey = search.toString();
  const filters = useMemo(() => parseFilters(new URLSearchParams(searchKey)), [searchKey]);
  const now = useNow();

  // The filters live in the URL: a change replaces the address (the back button goes to
  // the previous view, not through every keystroke).
  const latestFilters = useRef(filters);
  latestFilters.current = filters;
  const latestOpen = useRef(conversationId);
  latestOpen.current = conversationId;
  const setFilters = useCallback((change: Partial<InboxFilters>) => {
    navigate(inboxPath({ ...latestFilters.current, ...change }, latestOpen.current), { replace: true });
  }, []);

  const rangeError = dateRangeError(filters);
  const query = filtersToQuery(filters);
  const queryKey = JSON.stringify(query);
  const list = useResource<SummaryList>(
    () => (rangeError ? Promise.resolve({ items: [], next_before: null }) : inbox.list(filtersToQuery(latestFilters.current))),
    queryKey,
  );
  const detail = useResource<Detail | null>(
    () => (conversationId ? inbox.get(conversationId) : Promise.resolve(null)),
    `conversation:${conversationId ?? ''}`,
  );
  const counts = useResource<Counts>(() => inbox.counts(latestFilters.current.botId), `counts:${filters.botId}`);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(undefined);

  // The list and the conversation are read with latest(), not from the last render: a
  // save's answer and a live event can both land before React renders, and the second
  // must build on the first.
  const { setData: setList, reload: reloadList, latest: latestList } = list;
  const { setData: setDetail, latest: latestDetail } = detail;
  const { reload: reloadCounts } = counts;

  const countsTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const refreshCounts = useCallback(() => {
    if (countsTimer.current !== null) return;
    countsTimer.current = setTimeout(() => {
      countsTimer.current = null;
      void reloadCounts();
    }, COUNTS_DEBOUNCE_MS);
  }, [reloadCounts]);
  useEffect(
    () => () => {
      if (countsTimer.current !== null) clearTimeout(countsTimer.current);
    },
    [],
  );

  const apply = useCallback(
    (event: InboxEvent) => {
      const l = latestList();
      const d = latestDetail();
      const result = applyLiveEvent({ items: l?.items ?? [], detail: d ?? null }, event, latestFilters.current, meId);
      if (l && result.state.items !== l.items) setList({ ...l, items: result.state.items });
      if (d && result.state.detail !== d) setDetail(result.state.detail);
      if (result.refetchList) void reloadList();
    },
    [setList, setDetail, reloadList, latestList, latestDetail, meId],
  );

  /**
   * Fetches the open conversation again: after a visitor message, which changes the
   * insight (rolling sentiment, lead score) that the message event does not carry, and
   * when polling. The list gets its new summary too.
   */
  const refreshDetail = useCallback(
    async (id: string) => {
      const sent = latestDetail();
      let fresh: Detail;
      try {
        fresh = await inbox.get(id);
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
    [inbox, apply, setDetail, latestDetail],
  );

  const poll = useCallback(() => {
    void reloadList();
    void reloadCounts();
    const open = latestDetail();
    if (open) void refreshDetail(open.conversation.id);
  }, [reloadList, reloadCounts, refreshDetail, latestDetail]);

  const onEvent = useCallback(
    (event: InboxEvent) => {
      if (event.type === 'resync') {
        poll();
        return;
      }
      apply(event);
      if (event.type !== 'document.updated' && event.type !== 'image.analyzed') refreshCounts();
      const openId = latestDetail()?.conversation.id;
      if (event.type === 'message.created' && event.data.message.role === 'visitor' && openId === event.data.conversation_id) {
        void refreshDetail(event.data.conversation_id);
      }
      // What an event names without the details the pane shows (an assignee by id, a
      // rating without its comment): the pane fetches the conversation again.
      if ((event.type === 'conversation.changed' || event.type === 'handoff.requested') && openId === event.data.conversation_id) {
        const { changes } = event.data;
        if ('rating' in changes || (changes.assignee && !changes.assignee.name)) void refreshDetail(openId);
      }
    },
    [apply, poll, refreshCounts, refreshDetail, latestDetail],
  );
  const mode = useLiveEvents(api.streamUrl(), onEvent, poll);

  /**
   * Fields a save in the conversation pane changed (status, handoff, tags, assignee), from
   * its answer. Only those: the rest of the answer may be older than what the page shows,
   * since another save's answer or a live event may have landed first.
   */
  const onChanges = useCallback(
    (id: string, changes: Partial<Summary>) => {
      apply({ type: 'conversation.changed', data: { conversation_id: id, changes } });
      refreshCounts();
    },
    [apply, refreshCounts],
  );

  /** A change made in the conversation pane (a reply, a note), applied to what it shows now. */
  const onDetail = useCallback(
    (id: string, change: (detail: Detail) => Detail) => {
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
      const next = await inbox.list(filtersToQuery(filters, current.next_before));
      const seen = new Set(current.items.map((c) => c.id));
      setList({ items: [...current.items, ...next.items.filter((c) => !seen.has(c.id))], next_before: next.next_before });
    } catch (e) {
      setMoreError(e);
    } finally {
      setLoadingMore(false);
    }
  };

  const botNames = useMemo(() => new Map((bots.data ?? []).map((b) => [b.id, b.name])), [bots.data]);
  const filtered = isFiltered(filters);
  const items = list.data ? sortItems(list.data.items, effectiveSort(filters)) : [];

  return (
    <div className="inbox">
      <PageHeader
        title="Inbox"
        description="Conversations with your visitors. Pick up the ones waiting for a human first."
        actions={
          <>
            <NotificationsButton />
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
          </>
        }
      />
      <ViewTabs filters={filters} counts={counts.data} conversationId={conversationId} />
      <FilterBar filters={filters} counts={counts.data} bots={bots.data ?? []} rangeError={rangeError} onChange={setFilters} />

      <div className="inbox-layout">
        <section className="inbox-list" aria-label="Conversations">
          {list.error !== undefined && list.data === undefined ? (
            <LoadError error={list.error} onRetry={list.reload} />
          ) : list.data === undefined ? (
            <Loading label="Loading conversations" />
          ) : items.length === 0 ? (
            <EmptyList filters={filters} filtered={filtered} />
          ) : (
            <>
              <ul className="conversation-list">
                {items.map((c) => (
                  <ConversationRow
                    key={c.id}
                    c={c}
                    active={c.id === conversationId}
                    to={inboxPath(filters, c.id)}
                    botName={botNames.get(c.bot_id)}
                    meId={meId}
                    now={now}
                  />
                ))}
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
              <p className="empty-text">Pick a conversation to read the transcript, assign it, add notes or take over from the bot.</p>
            </div>
          ) : detail.error !== undefined && !detail.data ? (
            <div className="inbox-detail-pad">
              <LoadError error={detail.error} onRetry={detail.reload} />
              <Button size="sm" variant="ghost" onClick={() => navigate(inboxPath(filters))}>
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
              now={now}
              onDetail={onDetail}
              onChanges={onChanges}
            />
          )}
        </section>
      </div>
    </div>
  );
}

const EMPTY_VIEW: Record<InboxFilters['view'], { title: string; text: string }> = {
  all: { title: 'No conversations', text: 'When visitors chat with a bot, their conversations appear here.' },
  waiting: { title: 'No one is waiting', text: 'Visitors who ask for a person show up here, longest waiting first.' },
  mine: { title: 'No conversations assigned to you', text: 'Assign yourself a conversation from its pane, or pick one from Unassigned.' },
  unassigned: { title: 'No unassigned conversations', text: 'Every open conversation has someone on it.' },
};

function EmptyList({ filters, filtered }: { filters: InboxFilters; filtered: boolean }) {
  const empty = EMPTY_VIEW[filters.view];
  return (
    <div className="empty-state">
      <p className="empty-title">{filtered ? 'No conversations' : empty.title}</p>
      <p className="empty-text">{filtered ? 'Nothing matches these filters. Reset them to see more.' : empty.text}</p>
    </div>
  );
}

function ConversationRow({
  c,
  active,
  to,
  botName,
  meId,
  now,
}: {
  c: Summary;
  active: boolean;
  to: string;
  botName: string | undefined;
  meId: string;
  now: number;
}) {
  const waiting = c.status === 'open' ? formatWaiting(c.waiting_since, now) : null;
  const sentiment = sentimentLabelOf(c);
  return (
    <li>
      <Link to={to} className={active ? 'conversation-row conversation-row-active' : 'conversation-row'} aria-current={active ? 'true' : undefined}>
        <span className="conversation-row-top">
          <span className="conversation-visitor">{visitorLabel(c)}</span>
          <time className="conversation-time" dateTime={c.last_message_at} title={formatDateTime(c.last_message_at)}>
            {formatRelative(c.last_message_at, now)}
          </time>
        </span>
        <span className="conversation-preview">{c.preview || 'No messages yet'}</span>
        <span className="conversation-meta">
          {waiting && (
            <span className="waiting-badge" title={`Asked for a human ${formatDateTime(c.waiting_since)}`}>
              {waiting}
            </span>
          )}
          {/* Open is the default: only resolved rows say so. */}
          {c.status !== 'open' && <Badge tone="neutral">Resolved</Badge>}
          {sentiment && <SentimentLabelBadge label={sentiment} score={c.sentiment} />}
          {c.human_handoff && <Badge tone="danger">Human</Badge>}
          {/* Cold is the default: only leads worth a look get a badge. */}
          {c.lead_priority !== 'cold' && <PriorityBadge priority={c.lead_priority} />}
          {c.rating && (
            <span className="rating-inline" title={ratingText(c.rating.score)}>
              <span aria-hidden="true">{stars(c.rating.score)}</span>
              <span className="sr-only">{ratingText(c.rating.score)}</span>
            </span>
          )}
        </span>
        <span className="conversation-foot">
          <span className="conversation-count">
            {c.message_count} message{c.message_count === 1 ? '' : 's'}
            {botName && ` · ${botName}`}
          </span>
          <span className="conversation-assignee">{c.assignee ? (c.assignee.id === meId ? 'You' : c.assignee.name || 'Assigned') : 'Unassigned'}</span>
        </span>
      </Link>
    </li>
  );
}

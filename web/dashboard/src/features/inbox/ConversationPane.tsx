import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import type { ConversationSummary } from '../../api/conversations';
import { errorMessage } from '../../api/errors';
import { useMe } from '../../lib/session';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { Input, Textarea } from '../../ui/Input';
import { visitorScores } from '../../ui/insight/insight';
import { PriorityBadge, SentimentLabelBadge } from '../../ui/insight/InsightBadges';
import { LeadPanel } from '../../ui/insight/LeadPanel';
import { SentimentTrend } from '../../ui/insight/SentimentTrend';
import { useToast } from '../../ui/Toast';
import { AssignMenu } from './AssignMenu';
import { ContactPanel } from './ContactPanel';
import { ImageAnalyses } from './ImageAnalyses';
import { ConversationRuns } from './ConversationRuns';
import type { Detail, Rating, Summary } from './contract';
import { addTag, removeTag } from './inbox';
import { formatWaiting, ratingText, sentimentLabelOf, stars, visitorLabel, visitorSecondary } from './labels';
import { ReplyBox } from './ReplyBox';
import { Transcript } from './Transcript';

/**
 * What the pane saves goes back to the page as changes, not as a whole new state: an
 * answer is applied to what the page shows when it arrives, which may already be newer
 * than what the pane showed when the save was sent.
 */
export interface PaneChanges {
  /** A change to the conversation (e.g. a reply or a note added). */
  onDetail: (id: string, change: (detail: Detail) => Detail) => void;
  /** The summary fields a save changed (status, handoff, tags, assignee), as its answer has them. */
  onChanges: (id: string, changes: Partial<Summary>) => void;
}

type Busy = 'status' | 'handoff' | null;

/** The fields of a save's answer that the save changed (the rest may be older than what is shown). */
function statusChanges(saved: ConversationSummary & Partial<Summary>): Partial<Summary> {
  // Resolving also ends human handling and the wait (the server does both).
  const changes: Partial<Summary> = { status: saved.status, human_handoff: saved.human_handoff };
  if (saved.waiting_since !== undefined) changes.waiting_since = saved.waiting_since;
  if (saved.rating !== undefined) changes.rating = saved.rating;
  return changes;
}

function handoffChanges(saved: ConversationSummary & Partial<Summary>): Partial<Summary> {
  const changes: Partial<Summary> = { human_handoff: saved.human_handoff };
  if (saved.waiting_since !== undefined) changes.waiting_since = saved.waiting_since;
  if (saved.assignee !== undefined) changes.assignee = saved.assignee;
  return changes;
}

export function ConversationPane({
  detail,
  botName,
  now,
  onDetail,
  onChanges,
}: {
  detail: Detail;
  botName: string | null;
  now: number;
} & PaneChanges) {
  const api = useApi();
  const toast = useToast();
  const c = detail.conversation;
  const [busy, setBusy] = useState<Busy>(null);
  const waiting = c.status === 'open' ? formatWaiting(c.waiting_since, now) : null;
  const sentiment = sentimentLabelOf(c);
  const secondary = visitorSecondary(c);

  const run = async (
    kind: Exclude<Busy, null>,
    action: () => Promise<ConversationSummary>,
    changes: (saved: ConversationSummary & Partial<Summary>) => Partial<Summary>,
    done: string,
  ) => {
    setBusy(kind);
    try {
      const saved = await action();
      onChanges(saved.id, changes(saved));
      toast(done);
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="conversation">
      <header className="conversation-header">
        <div className="conversation-heading">
          <h2 className="conversation-title">{visitorLabel(c)}</h2>
          {secondary && <p className="conversation-email">{secondary}</p>}
          <p className="conversation-sub">
            {botName && <span>{botName} · </span>}
            Started {formatDateTime(c.created_at)} · {c.message_count} message{c.message_count === 1 ? '' : 's'}
          </p>
          <div className="conversation-badges">
            <Badge tone={c.status === 'open' ? 'info' : 'neutral'}>{c.status === 'open' ? 'Open' : 'Resolved'}</Badge>
            {waiting && (
              <span className="waiting-badge" title={`Asked for a human ${formatDateTime(c.waiting_since)}`}>
                {waiting}
              </span>
            )}
            {c.human_handoff ? <Badge tone="danger">Human handling</Badge> : <Badge tone="success">Bot answering</Badge>}
            {sentiment && <SentimentLabelBadge label={sentiment} score={c.sentiment} />}
            <PriorityBadge priority={c.lead_priority} score={c.lead_score} />
          </div>
        </div>
        <div className="conversation-actions">
          <AssignMenu conversation={c} onAssigned={(changes) => onChanges(c.id, changes)} />
          {c.human_handoff ? (
            <Button
              size="sm"
              loading={busy === 'handoff'}
              onClick={() => run('handoff', () => api.conversations.handoff(c.id, 'release'), handoffChanges, 'Handed back to the bot')}
            >
              Hand back to bot
            </Button>
          ) : (
            <Button
              size="sm"
              variant="primary"
              loading={busy === 'handoff'}
              onClick={() => run('handoff', () => api.conversations.handoff(c.id, 'take'), handoffChanges, 'You took over the conversation')}
            >
              Take over
            </Button>
          )}
          {c.status === 'open' ? (
            <Button
              size="sm"
              loading={busy === 'status'}
              onClick={() =>
                run(
                  'status',
                  () => api.conversations.update(c.id, { status: 'resolved' }),
                  statusChanges,
                  'Conversation resolved. The visitor was asked to rate it.',
                )
              }
            >
              Resolve
            </Button>
          ) : (
            <Button
              size="sm"
              loading={busy === 'status'}
              onClick={() => run('status', () => api.conversations.update(c.id, { status: 'open' }), statusChanges, 'Conversation reopened')}
            >
              Reopen
            </Button>
          )}
          <span className="transcript-exports" role="group" aria-label="Export the transcript">
            <a className="btn btn-ghost btn-sm" href={`/api/v1/conversations/${c.id}/transcript?format=csv`} download data-export="transcript-csv">
              Transcript CSV
            </a>
            <a className="btn btn-ghost btn-sm" href={`/api/v1/conversations/${c.id}/transcript?format=json`} download>
              JSON
            </a>
          </span>
        </div>
      </header>

      {c.status === 'resolved' && <RatingPanel rating={c.rating ?? null} />}

      <Tags conversation={c} onChanges={onChanges} />

      {detail.summary.trim() && (
        <div className="conversation-summary">
          <span className="conversation-summary-label">Summary</span>
          <p>{detail.summary}</p>
        </div>
      )}

      <Transcript messages={detail.messages} botId={c.bot_id} />

      <ImageAnalyses detail={detail} now={now} />

      {c.human_handoff ? (
        <ReplyBox detail={detail} onDetail={onDetail} />
      ) : (
        <p className="reply-hint">The bot is answering. Take over to reply yourself.</p>
      )}

      <div className="insight" role="group" aria-label="Insight">
        <section className="insight-block" aria-labelledby="sentiment-heading">
          <h3 className="insight-title" id="sentiment-heading">
            Sentiment
          </h3>
          <SentimentTrend scores={visitorScores(detail.messages)} sentiment={detail.insight.sentiment} />
        </section>
        <section className="insight-block" aria-labelledby="lead-heading">
          <h3 className="insight-title" id="lead-heading">
            Lead
          </h3>
          <LeadPanel lead={detail.insight.lead} />
        </section>
      </div>

      <ContactPanel conversation={c} now={now} />

      <ConversationRuns conversationId={c.id} now={now} />

      <Notes detail={detail} onDetail={onDetail} />
    </div>
  );
}

/** A resolved conversation's rating: stars and the visitor's comment, or that it was asked for. */
function RatingPanel({ rating }: { rating: Rating | null }) {
  return (
    <section className="rating-panel" aria-label="Visitor rating">
      {rating ? (
        <>
          <p className="rating-line">
            <span className="rating-stars" aria-hidden="true">
              {stars(rating.score)}
            </span>
            <span className="rating-text">{ratingText(rating.score)}</span>
          </p>
          {rating.comment?.trim() ? (
            <blockquote className="rating-comment">“{rating.comment.trim()}”</blockquote>
          ) : (
            <p className="muted small">No comment.</p>
          )}
        </>
      ) : (
        <p className="muted small">The visitor was asked to rate this conversation. No rating yet.</p>
      )}
    </section>
  );
}

function Tags({ conversation, onChanges }: { conversation: Summary } & Pick<PaneChanges, 'onChanges'>) {
  const api = useApi();
  const toast = useToast();
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);

  const save = async (tags: string[]) => {
    setBusy(true);
    try {
      const saved = await api.conversations.update(conversation.id, { tags });
      onChanges(saved.id, { tags: saved.tags });
      return true;
    } catch (e) {
      toast(`Could not save tags: ${errorMessage(e)}`, 'error');
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (event: FormEvent) => {
    event.preventDefault();
    // Like the disabled button: a save on its way would be undone by one built on the tags before it.
    if (busy) return;
    const next = addTag(conversation.tags, draft);
    if (next.length === conversation.tags.length) {
      setDraft('');
      return;
    }
    if (await save(next)) setDraft('');
  };

  return (
    <form className="tags" onSubmit={add} aria-label="Tags">
      <ul className="tag-list" aria-label="Tags on this conversation">
        {conversation.tags.map((t) => (
          <li key={t} className="tag">
            <span>{t}</span>
            <button type="button" className="tag-remove" aria-label={`Remove tag ${t}`} disabled={busy} onClick={() => void save(removeTag(conversation.tags, t))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <Input className="tag-input" aria-label="Add tag" placeholder="Add tag" value={draft} maxLength={40} onChange={(e) => setDraft(e.target.value)} />
      <Button type="submit" size="sm" variant="ghost" disabled={!draft.trim() || busy}>
        Add
      </Button>
    </form>
  );
}

function Notes({ detail, onDetail }: { detail: Detail } & Pick<PaneChanges, 'onDetail'>) {
  const api = useApi();
  const me = useMe();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    setBusy(true);
    setError(null);
    try {
      const id = detail.conversation.id;
      const note = await api.conversations.addNote(id, body);
      onDetail(id, (d) => ({ ...d, notes: [...d.notes.filter((n) => n.id !== note.id), note] }));
      setText('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="notes" aria-labelledby="notes-heading">
      <h3 className="notes-title" id="notes-heading">
        Internal notes
      </h3>
      {detail.notes.length === 0 ? (
        <p className="muted small">No notes yet. Notes are visible to your team only.</p>
      ) : (
        <ul className="note-list">
          {detail.notes.map((n) => (
            <li key={n.id} className="note">
              <p className="note-text">{n.text}</p>
              <p className="note-meta">
                {n.author_user_id === me.user.id ? 'You' : 'A teammate'} ·{' '}
                <time dateTime={n.created_at} title={formatDateTime(n.created_at)}>
                  {formatRelative(n.created_at)}
                </time>
              </p>
            </li>
          ))}
        </ul>
      )}
      <form className="note-form" onSubmit={add}>
        <Textarea aria-label="New note" rows={2} placeholder="Add a note for your team" value={text} onChange={(e) => setText(e.target.value)} />
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="note-actions">
          <Button type="submit" size="sm" loading={busy} disabled={!text.trim()}>
            Add note
          </Button>
        </div>
      </form>
    </section>
  );
}

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useApi } from '../../api/context';
import type { Citation, ConversationDetail, ConversationSummary, InboxMessage } from '../../api/conversations';
import { ApiError, errorMessage } from '../../api/errors';
import { Link } from '../../lib/router';
import { useMe } from '../../lib/session';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { Input, Textarea } from '../../ui/Input';
import { visitorScores } from '../../ui/insight/insight';
import { IntentChips, PriorityBadge, SentimentBadge } from '../../ui/insight/InsightBadges';
import { LeadPanel } from '../../ui/insight/LeadPanel';
import { SentimentTrend } from '../../ui/insight/SentimentTrend';
import { useToast } from '../../ui/Toast';
import { addTag, appendMessage, removeTag, visitorLabel } from './inbox';

const ROLE_LABEL: Record<string, string> = { visitor: 'Visitor', bot: 'Bot', agent: 'Agent', system: 'System' };

/**
 * What the pane saves goes back to the page as changes, not as a whole new state: an
 * answer is applied to what the page shows when it arrives, which may already be newer
 * than what the pane showed when the save was sent.
 */
export interface PaneChanges {
  /** A change to the conversation (e.g. a reply or a note added). */
  onDetail: (id: string, change: (detail: ConversationDetail) => ConversationDetail) => void;
  /** The summary fields a save changed (status, handoff, tags), as its answer has them. */
  onChanges: (id: string, changes: Partial<ConversationSummary>) => void;
}

export function ConversationPane({
  detail,
  botName,
  onDetail,
  onChanges,
}: {
  detail: ConversationDetail;
  botName: string | null;
} & PaneChanges) {
  const api = useApi();
  const toast = useToast();
  const c = detail.conversation;
  const [busy, setBusy] = useState<'status' | 'handoff' | null>(null);

  const run = async (kind: 'status' | 'handoff', action: () => Promise<ConversationSummary>, done: string) => {
    setBusy(kind);
    try {
      const saved = await action();
      onChanges(saved.id, kind === 'status' ? { status: saved.status } : { human_handoff: saved.human_handoff });
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
          <p className="conversation-sub">
            {botName && <span>{botName} · </span>}
            Started {formatDateTime(c.created_at)} · {c.message_count} message{c.message_count === 1 ? '' : 's'}
          </p>
          <div className="conversation-badges">
            <Badge tone={c.status === 'open' ? 'info' : 'neutral'}>{c.status === 'open' ? 'Open' : 'Resolved'}</Badge>
            {c.human_handoff ? <Badge tone="danger">Human handling</Badge> : <Badge tone="success">Bot answering</Badge>}
            <PriorityBadge priority={c.lead_priority} score={c.lead_score} />
          </div>
        </div>
        <div className="conversation-actions">
          {c.human_handoff ? (
            <Button size="sm" loading={busy === 'handoff'} onClick={() => run('handoff', () => api.conversations.handoff(c.id, 'release'), 'Handed back to the bot')}>
              Hand back to bot
            </Button>
          ) : (
            <Button
              size="sm"
              variant="primary"
              loading={busy === 'handoff'}
              onClick={() => run('handoff', () => api.conversations.handoff(c.id, 'take'), 'You took over the conversation')}
            >
              Take over
            </Button>
          )}
          {c.status === 'open' ? (
            <Button size="sm" loading={busy === 'status'} onClick={() => run('status', () => api.conversations.update(c.id, { status: 'resolved' }), 'Conversation resolved')}>
              Resolve
            </Button>
          ) : (
            <Button size="sm" loading={busy === 'status'} onClick={() => run('status', () => api.conversations.update(c.id, { status: 'open' }), 'Conversation reopened')}>
              Reopen
            </Button>
          )}
        </div>
      </header>

      <Tags conversation={c} onChanges={onChanges} />

      {detail.summary.trim() && (
        <div className="conversation-summary">
          <span className="conversation-summary-label">Summary</span>
          <p>{detail.summary}</p>
        </div>
      )}

      <Transcript messages={detail.messages} botId={c.bot_id} />

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

      <Notes detail={detail} onDetail={onDetail} />
    </div>
  );
}

function Transcript({ messages, botId }: { messages: InboxMessage[]; botId: string }) {
  const box = useRef<HTMLOListElement>(null);
  const count = messages.length;
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [count]);

  if (messages.length === 0) return <p className="transcript-empty muted">No messages yet.</p>;
  return (
    <ol className="transcript" aria-label="Transcript" tabIndex={0} ref={box}>
      {messages.map((m) => (
        <li key={m.id} className={`message message-${m.role}`}>
          {m.role === 'system' ? (
            <p className="message-system">{m.text}</p>
          ) : (
            <>
              <div className="message-meta">
                <span className="message-role">{ROLE_LABEL[m.role] ?? m.role}</span>
                <time dateTime={m.created_at} title={formatDateTime(m.created_at)}>
                  {formatRelative(m.created_at)}
                </time>
              </div>
              <div className="message-bubble">{m.text}</div>
              {m.insight && (
                <div className="message-insight">
                  <SentimentBadge label={m.insight.sentiment.label} score={m.insight.sentiment.score} />
                  <IntentChips intents={m.insight.intents} />
                </div>
              )}
              {m.citations.length > 0 && <Citations citations={m.citations} botId={botId} />}
            </>
          )}
        </li>
      ))}
    </ol>
  );
}

export function citationLabel(c: Citation): string {
  if (c.kind === 'faq') return `FAQ: ${c.title}`;
  return c.heading ? `${c.title} · ${c.heading}` : c.title;
}

function Citations({ citations, botId }: { citations: Citation[]; botId: string }) {
  const base = `/bots/${encodeURIComponent(botId)}`;
  return (
    <ul className="citations" aria-label="Sources">
      {citations.map((c, i) => (
        <li key={`${c.kind}-${c.document_id ?? c.faq_id ?? ''}-${i}`}>
          <Link to={c.kind === 'faq' ? `${base}/faqs` : `${base}/knowledge`} className="citation" title={citationLabel(c)}>
            <span className="citation-kind" aria-hidden="true">
              {c.kind === 'faq' ? '?' : '¶'}
            </span>
            <span className="citation-text">{citationLabel(c)}</span>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function ReplyBox({ detail, onDetail }: { detail: ConversationDetail } & Pick<PaneChanges, 'onDetail'>) {
  const api = useApi();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const body = text.trim();
    if (!body || busy) return;
    setBusy(true);
    setError(null);
    try {
      const id = detail.conversation.id;
      const message = await api.conversations.reply(id, body);
      onDetail(id, (d) => appendMessage(d, message));
      setText('');
    } catch (e) {
      setError(
        e instanceof ApiError && e.code === 'not_taken_over'
          ? 'The bot is handling this conversation again. Take over to reply.'
          : errorMessage(e),
      );
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form className="reply-box" onSubmit={send} aria-label="Reply">
      <Textarea
        aria-label="Reply to visitor"
        rows={3}
        placeholder="Write a reply… (Enter sends, Shift+Enter for a new line)"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="reply-actions">
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <Button type="submit" variant="primary" loading={busy} disabled={!text.trim()}>
          Send
        </Button>
      </div>
    </form>
  );
}

function Tags({ conversation, onChanges }: { conversation: ConversationSummary } & Pick<PaneChanges, 'onChanges'>) {
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

function Notes({ detail, onDetail }: { detail: ConversationDetail } & Pick<PaneChanges, 'onDetail'>) {
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

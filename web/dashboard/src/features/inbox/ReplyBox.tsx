import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import { Link } from '../../lib/router';
import { useMe } from '../../lib/session';
import { Button } from '../../ui/Button';
import { Textarea } from '../../ui/Input';
import { insertCanned, matchCanned, moveActive, slashQuery } from './canned';
import type { CannedReply, Detail } from './contract';
import { appendMessage } from './inbox';
import { inboxApi } from './inboxApi';

/** The canned replies, fetched once per reply box the first time "/" is typed. */
type Canned = { status: 'idle' } | { status: 'loading' } | { status: 'ready'; replies: CannedReply[] } | { status: 'error'; error: unknown };

/**
 * The agent's reply. Enter sends, Shift+Enter breaks the line. "/" at the start opens the
 * canned replies, filtered by what follows; arrow keys move, Enter or a click inserts one
 * (placeholders filled for this visitor and agent), Escape closes the list.
 */
export function ReplyBox({ detail, onDetail }: { detail: Detail; onDetail: (id: string, change: (detail: Detail) => Detail) => void }) {
  const api = useApi();
  const inbox = useMemo(() => inboxApi(api), [api]);
  const me = useMe();
  const listId = useId();
  const box = useRef<HTMLTextAreaElement>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [canned, setCanned] = useState<Canned>({ status: 'idle' });
  const [active, setActive] = useState(0);
  /** Escape closed the list: it stays closed until the box no longer starts with a "/…" shortcut. */
  const [dismissed, setDismissed] = useState(false);

  const query = slashQuery(text);
  const open = query !== null && !dismissed;
  const matches = canned.status === 'ready' && query !== null ? matchCanned(canned.replies, query) : [];

  const loadCanned = useCallback(async () => {
    setCanned({ status: 'loading' });
    try {
      setCanned({ status: 'ready', replies: await inbox.cannedReplies() });
    } catch (e) {
      setCanned({ status: 'error', error: e });
    }
  }, [inbox]);

  useEffect(() => {
    if (open && canned.status === 'idle') void loadCanned();
  }, [open, canned.status, loadCanned]);

  // The best match is highlighted as the query changes.
  useEffect(() => setActive(0), [query]);

  const insert = (reply: CannedReply) => {
    const c = detail.conversation;
    const next = insertCanned(text, reply, { visitorName: c.visitor_name, visitorEmail: c.visitor_email, agentName: me.user.name || null });
    setText(next);
    // The caret goes to the end of the inserted text, ready to edit or send.
    requestAnimationFrame(() => {
      const el = box.current;
      if (el) {
        el.focus();
        el.setSelectionRange(next.length, next.length);
      }
    });
  };

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
        e instanceof ApiError && e.code === 'not_taken_over' ? 'The bot is handling this conversation again. Take over to reply.' : errorMessage(e),
      );
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (open) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => moveActive(a, matches.length, e.key as 'ArrowDown' | 'ArrowUp'));
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        setDismissed(true);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        const pick = matches[active];
        if (pick) {
          e.preventDefault();
          insert(pick);
          return;
        }
        // Nothing to insert: Enter is not a send of "/…" by accident.
        if (e.key === 'Enter') {
          e.preventDefault();
          return;
        }
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  };

  const activeId = open && matches[active] ? `${listId}-${active}` : undefined;
  return (
    <form className="reply-box" onSubmit={send} aria-label="Reply">
      <div className="reply-field">
        {open && (
          <div className="canned-popover">
            {canned.status === 'loading' || canned.status === 'idle' ? (
              <p className="canned-status" role="status">
                Loading canned replies…
              </p>
            ) : canned.status === 'error' ? (
              <div className="canned-status" role="alert">
                <p>Could not load canned replies: {errorMessage(canned.error)}</p>
                <Button size="sm" onClick={() => void loadCanned()}>
                  Try again
                </Button>
              </div>
            ) : canned.replies.length === 0 ? (
              <div className="canned-status" role="status">
                <p className="canned-empty-title">No canned replies yet</p>
                <p>
                  Create them on the <Link to="/canned-replies">Canned replies</Link> page, each with a shortcut to type after “/”.
                </p>
              </div>
            ) : matches.length === 0 ? (
              <p className="canned-status" role="status">
                No canned reply matches “/{query}”. Press Escape to keep typing.
              </p>
            ) : (
              <ul id={listId} role="listbox" aria-label="Canned replies" className="canned-list">
                {matches.map((r, i) => (
                  <li
                    key={r.id}
                    id={`${listId}-${i}`}
                    role="option"
                    aria-selected={i === active}
                    className={i === active ? 'canned-option canned-option-active' : 'canned-option'}
                    onMouseEnter={() => setActive(i)}
                    // Keep the focus in the box: a mousedown elsewhere would blur it first.
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => insert(r)}
                  >
                    <span className="canned-shortcut">/{r.shortcut}</span>
                    <span className="canned-body">{r.body}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
        <Textarea
          ref={box}
          aria-label="Reply to visitor"
          aria-autocomplete="list"
          aria-controls={open && matches.length > 0 ? listId : undefined}
          aria-activedescendant={activeId}
          rows={3}
          placeholder="Write a reply… (Enter sends, Shift+Enter for a new line, / for canned replies)"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            if (dismissed && slashQuery(e.target.value) === null) setDismissed(false);
          }}
          onKeyDown={onKeyDown}
        />
      </div>
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

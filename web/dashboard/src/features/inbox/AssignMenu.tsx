import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { useMe } from '../../lib/session';
import { Button } from '../../ui/Button';
import { useToast } from '../../ui/Toast';
import { moveActive } from './canned';
import type { Agent, Presence, Summary } from './contract';
import { inboxApi } from './inboxApi';

const PRESENCE_TEXT: Record<Presence, string> = { online: 'online', away: 'away', offline: 'offline' };
const PRESENCE_ORDER: Record<Presence, number> = { online: 0, away: 1, offline: 2 };

/** A presence dot; the word goes beside it (colour is not the only carrier). */
export function PresenceDot({ presence }: { presence: Presence }) {
  return <span className={`presence-dot presence-${presence}`} title={PRESENCE_TEXT[presence]} aria-hidden="true" />;
}

/** The menu's rows: "Unassigned", then the signed-in agent, then the others, online first. */
export function assignOptions(agents: readonly Agent[], meId: string): Array<{ id: string | null; label: string; agent: Agent | null }> {
  const sorted = [...agents].sort(
    (a, b) =>
      Number(b.id === meId) - Number(a.id === meId) ||
      PRESENCE_ORDER[a.presence] - PRESENCE_ORDER[b.presence] ||
      a.name.localeCompare(b.name),
  );
  return [
    { id: null, label: 'Unassigned', agent: null },
    ...sorted.map((a) => ({ id: a.id, label: a.id === meId ? `${a.name || a.email} (you)` : a.name || a.email, agent: a })),
  ];
}

/**
 * "Assign": a button that opens the list of agents with their presence, and "Unassigned".
 * Arrow keys move, Enter picks, Escape closes. Agents are fetched each time it opens, so
 * presence is fresh.
 */
export function AssignMenu({ conversation, onAssigned }: { conversation: Summary; onAssigned: (changes: Partial<Summary>) => void }) {
  const api = useApi();
  const inbox = useMemo(() => inboxApi(api), [api]);
  const me = useMe();
  const toast = useToast();
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [active, setActive] = useState(0);
  const [busy, setBusy] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const wrap = useRef<HTMLDivElement>(null);

  const current = conversation.assignee ?? null;
  const options = agents ? assignOptions(agents, me.user.id) : [];

  const load = async () => {
    setLoadError(undefined);
    try {
      setAgents(await inbox.agents());
    } catch (e) {
      setLoadError(e);
    }
  };

  const show = () => {
    setOpen(true);
    void load();
  };

  const close = (focusButton = true) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };

  // Highlight the current assignee when the list arrives, and take the focus to it.
  useEffect(() => {
    if (!open || !agents) return;
    const at = assignOptions(agents, me.user.id).findIndex((o) => o.id === (current?.id ?? null));
    setActive(Math.max(0, at));
    list.current?.focus();
  }, [open, agents, current?.id, me.user.id]);

  // A click outside closes it.
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const pick = async (id: string | null, label: string) => {
    close();
    if (id === (current?.id ?? null)) return;
    setBusy(true);
    try {
      const saved = await inbox.assign(conversation.id, id);
      onAssigned({ assignee: saved.assignee ?? null });
      toast(id === null ? 'Conversation unassigned' : id === me.user.id ? 'Assigned to you' : `Assigned to ${label}`);
    } catch (e) {
      toast(`Could not assign: ${errorMessage(e)}`, 'error');
    } finally {
      setBusy(false);
    }
  };

  const onListKey = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => moveActive(a, options.length, e.key as 'ArrowDown' | 'ArrowUp'));
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      setActive(e.key === 'Home' ? 0 : options.length - 1);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      const o = options[active];
      if (o) void pick(o.id, o.label);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    } else if (e.key === 'Tab') {
      setOpen(false);
    }
  };

  const who = current ? (current.id === me.user.id ? 'you' : current.name || 'a teammate') : 'nobody';
  return (
    <div className="assign" ref={wrap}>
      <Button
        ref={button}
        size="sm"
        loading={busy}
        aria-haspopup="listbox"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-label={`Assign (assigned to ${who})`}
        onClick={() => (open ? close() : show())}
        onKeyDown={(e) => {
          if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && !open) {
            e.preventDefault();
            show();
          }
        }}
      >
        <span className="assign-label">
          {current ? (current.id === me.user.id ? 'Assigned to you' : current.name || 'Assigned') : 'Assign'}
        </span>
        <span aria-hidden="true" className="assign-caret">
          ▾
        </span>
      </Button>
      {open && (
        <div className="assign-popover">
          {agents === null && loadError === undefined ? (
            <p className="assign-status" role="status">
              Loading agents…
            </p>
          ) : agents === null ? (
            <div className="assign-status" role="alert">
              <p>Could not load agents: {errorMessage(loadError)}</p>
              <Button size="sm" onClick={() => void load()}>
                Try again
              </Button>
            </div>
          ) : (
            <ul
              ref={list}
              id={listId}
              role="listbox"
              aria-label="Assign to"
              tabIndex={0}
              aria-activedescendant={options[active] ? `${listId}-${active}` : undefined}
              onKeyDown={onListKey}
              className="assign-list"
            >
              {options.map((o, i) => (
                <li
                  key={o.id ?? 'none'}
                  id={`${listId}-${i}`}
                  role="option"
                  aria-selected={o.id === (current?.id ?? null)}
                  className={i === active ? 'assign-option assign-option-active' : 'assign-option'}
                  onMouseEnter={() => setActive(i)}
                  onClick={() => void pick(o.id, o.label)}
                >
                  {o.agent ? <PresenceDot presence={o.agent.presence} /> : <span className="presence-dot presence-none" aria-hidden="true" />}
                  <span className="assign-name">{o.label}</span>
                  {o.agent && <span className={`assign-presence assign-presence-${o.agent.presence}`}>{PRESENCE_TEXT[o.agent.presence]}</span>}
                  {o.id === (current?.id ?? null) && (
                    <span className="assign-check" aria-hidden="true">
                      ✓
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

import { useCallback, useMemo, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import { navigate } from '../../lib/router';
import { useMe } from '../../lib/session';
import { Button } from '../../ui/Button';
import { useToast } from '../../ui/Toast';
import { concernsMe, handoffText, notificationState, playChime, showHandoffNotification, type NotificationState } from './alerts';
import type { InboxEvent, Summary } from './contract';
import { DEFAULT_FILTERS, inboxPath } from './filters';
import { inboxApi } from './inboxApi';
import { useLiveEvents } from './useLiveEvents';

/** A repeated request for the same conversation within this long rings once. */
const REPEAT_MS = 60_000;
const TOAST_MS = 15_000;

/** Where a handoff alert takes the agent: the conversation, in the Waiting view. */
export function handoffPath(conversationId: string): string {
  return inboxPath({ ...DEFAULT_FILTERS, view: 'waiting' }, conversationId);
}

/**
 * Tells the signed-in agent, wherever they are in the app, that a visitor asked for a
 * human: a toast with a button to open the conversation, a chime, and a browser
 * notification when they allowed them and the tab is not in front. Renders nothing.
 */
export function HandoffAlerts() {
  const api = useApi();
  const inbox = useMemo(() => inboxApi(api), [api]);
  const me = useMe();
  const toast = useToast();
  const recent = useRef(new Map<string, number>());

  const alert = useCallback(
    async (id: string, known: Summary | null, changes: Partial<Summary>) => {
      if (!concernsMe(known ?? changes, me.user.id)) return;
      const now = Date.now();
      const last = recent.current.get(id);
      if (last !== undefined && now - last < REPEAT_MS) return;
      recent.current.set(id, now);
      // Who is asking: in the event when the server sends the whole summary, else fetched.
      let c: Partial<Summary> | null = known;
      if (!c) {
        try {
          c = (await inbox.get(id)).conversation;
        } catch {
          c = changes.preview ? { preview: changes.preview } : null;
        }
      }
      const open = () => navigate(handoffPath(id));
      const text = handoffText(c);
      toast(text.title, 'info', { action: { label: 'Open conversation', onClick: open }, durationMs: TOAST_MS });
      playChime();
      showHandoffNotification(id, text, open);
    },
    [inbox, me.user.id, toast],
  );

  const onEvent = useCallback(
    (event: InboxEvent) => {
      if (event.type === 'handoff.requested') void alert(event.data.conversation_id, event.data.conversation, event.data.changes);
    },
    [alert],
  );
  useLiveEvents(api.streamUrl(), onEvent);
  return null;
}

/**
 * "Enable notifications": asks for the browser's permission when clicked (never on
 * load), and says plainly when notifications are blocked.
 */
export function NotificationsButton() {
  const [state, setState] = useState<NotificationState>(notificationState);
  if (state === 'unsupported' || state === 'granted') return null;
  if (state === 'denied') {
    return (
      <span className="muted small notifications-blocked" title="Allow notifications for this site in the browser's site settings, then reload.">
        Notifications blocked
      </span>
    );
  }
  const ask = async () => {
    try {
      setState(await Notification.requestPermission());
    } catch {
      setState(notificationState());
    }
  };
  return (
    <Button size="sm" variant="ghost" onClick={() => void ask()}>
      Enable notifications
    </Button>
  );
}

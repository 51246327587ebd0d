// What tells an agent that a visitor asked for a human: a short chime made with the Web
// Audio API (no sound file to ship or fetch), and a browser notification once the agent
// allowed them (asked only from a button, never on load: browsers ignore or penalise
// permission prompts nobody asked for).
import type { Summary } from './contract';
import { visitorLabel } from './labels';

type AudioContextClass = typeof AudioContext;

let shared: AudioContext | null = null;

/**
 * Plays two short rising tones (about 0.3 s). Browsers keep audio suspended until the
 * user has interacted with the page; then it plays, before that it is silently skipped.
 */
export function playChime(Ctor: AudioContextClass | undefined = globalThis.AudioContext): boolean {
  if (!Ctor) return false;
  try {
    shared ??= new Ctor();
    const ctx = shared;
    if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
    const start = ctx.currentTime + 0.01;
    [880, 1320].forEach((frequency, i) => {
      const at = start + i * 0.14;
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.setValueAtTime(frequency, at);
      // A quick attack and an exponential fade: a soft "ding", not a click.
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.2, at + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(at);
      osc.stop(at + 0.18);
    });
    return true;
  } catch {
    return false;
  }
}

/** For tests: forget the shared audio context. */
export function resetChime(): void {
  shared = null;
}

export type NotificationState = NotificationPermission | 'unsupported';

export function notificationState(): NotificationState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * What the notification and the toast say. Without the visitor's fields (a server that
 * sends only the conversation's id and preview, and a fetch that failed), "A visitor".
 */
export function handoffText(c: Partial<Pick<Summary, 'visitor_name' | 'visitor_email' | 'preview'>> | null): { title: string; body: string } {
  const named = c && (c.visitor_name?.trim() || c.visitor_email?.trim());
  const known = c !== null && ('visitor_name' in c || 'visitor_email' in c);
  const who = named ? visitorLabel(c) : known ? 'An anonymous visitor' : 'A visitor';
  const preview = c?.preview?.trim();
  return {
    title: `${who} wants to talk to a person`,
    body: preview ? `“${preview.length > 140 ? `${preview.slice(0, 139)}…` : preview}”` : 'Open the conversation to answer.',
  };
}

/**
 * Whether a handoff request is this agent's to hear about: unassigned, or assigned to
 * them. One routed to a teammate (auto-assign) is theirs.
 */
export function concernsMe(c: Partial<Pick<Summary, 'assignee'>>, meId: string): boolean {
  return !c.assignee || c.assignee.id === meId;
}

/**
 * Shows a browser notification when allowed and the page is not in front of the agent
 * (in front of them, the toast says it already). Clicking it brings the tab forward and
 * opens the conversation. The tag makes several open tabs show it once.
 */
export function showHandoffNotification(
  conversationId: string,
  text: { title: string; body: string },
  open: () => void,
  doc: Pick<Document, 'visibilityState' | 'hasFocus'> = document,
): Notification | null {
  if (notificationState() !== 'granted') return null;
  if (doc.visibilityState === 'visible' && doc.hasFocus()) return null;
  try {
    const n = new Notification(text.title, { body: text.body, tag: `parley-handoff-${conversationId}` });
    n.onclick = () => {
      window.focus();
      open();
      n.close();
    };
    return n;
  } catch {
    // Some browsers allow notifications only from a service worker (Android Chrome).
    return null;
  }
}

/**
 * widget.js: the `window.Parley` API and the one-line embed.
 *
 *   <script src="https://parley.example.com/widget.js" data-bot="PUBLIC_KEY" async></script>
 *
 * or, to say who the visitor is:
 *
 *   Parley.init({ bot: 'PUBLIC_KEY', userEmail: 'ada@example.com', userHash: '…' });
 *   Parley.on('message', (m) => console.log(m.role, m.text));
 *
 * The API lives on the origin the script came from (or `apiOrigin`).
 */
import { Widget, type Options, type WidgetEvents } from './widget';

type Handler<K extends keyof WidgetEvents> = (data: WidgetEvents[K]) => void;

const script = document.currentScript as HTMLScriptElement | null;
const origin = script?.src ? new URL(script.src).origin : location.origin;
const handlers = new Map<string, Set<(data: unknown) => void>>();
let widget: Widget | null = null;

function emit<K extends keyof WidgetEvents>(name: K, data: WidgetEvents[K]): void {
  for (const fn of handlers.get(name) ?? []) {
    try {
      fn(data);
    } catch (e) {
      // A host page's handler must not break the widget.
      console.error('Parley: an event handler failed', e);
    }
  }
}

const Parley = {
  /** Shows the widget for a bot; calling it again (say, after sign-in) replaces it. */
  init(options: Options): void {
    if (!options?.bot) throw new Error('Parley.init: `bot` (the public key) is required');
    widget?.destroy();
    const w = new Widget(options, origin, emit);
    widget = w;
    w.mount().catch((e) => console.error('Parley: the widget could not start', e));
  },
  open(): void {
    widget?.open();
  },
  close(): void {
    widget?.close();
  },
  /** Subscribes to `ready`, `open`, `close` or `message`; returns the unsubscribe function. */
  on<K extends keyof WidgetEvents>(name: K, fn: Handler<K>): () => void {
    const set = handlers.get(name) ?? new Set();
    handlers.set(name, set);
    set.add(fn as (data: unknown) => void);
    return () => Parley.off(name, fn);
  },
  off<K extends keyof WidgetEvents>(name: K, fn: Handler<K>): void {
    handlers.get(name)?.delete(fn as (data: unknown) => void);
  },
  destroy(): void {
    widget?.destroy();
    widget = null;
  },
};

declare global {
  interface Window {
    Parley: typeof Parley;
  }
}

window.Parley = Parley;
const data = script?.dataset;
if (data?.bot) Parley.init({ bot: data.bot, userEmail: data.userEmail, userHash: data.userHash });

import { useEffect, useRef, useState } from 'react';
import type { InboxEvent } from './contract';
import { INBOX_EVENT_TYPES, parseLiveEvent } from './inbox';

export const FALLBACK_POLL_MS = 5000;
/** How long after the server refused the stream it is asked again. */
export const STREAM_RETRY_MS = 30_000;

export type LiveMode = 'connecting' | 'live' | 'polling';

interface Subscriber {
  onOpen: () => void;
  /** `closed`: the browser gave up (the server refused the stream) and will not retry. */
  onError: (closed: boolean) => void;
  onEvent: (event: InboxEvent) => void;
}

interface Shared {
  source: EventSource;
  subscribers: Set<Subscriber>;
}

/**
 * One EventSource per URL, shared by everything on the page that listens (the inbox and
 * the app-wide handoff alerts), and closed when the last one leaves: a second stream
 * would cost a connection of the browser's six per host, and a server stream slot.
 */
const pool = new Map<string, Shared>();

function subscribe(url: string, subscriber: Subscriber): () => void {
  let shared = pool.get(url);
  if (!shared) {
    const source = new EventSource(url, { withCredentials: true });
    const created: Shared = { source, subscribers: new Set() };
    source.onopen = () => created.subscribers.forEach((s) => s.onOpen());
    source.onerror = () => {
      // CLOSED: the server refused the stream (e.g. 404, or not text/event-stream); the
      // browser does not retry, so the next subscriber starts a new one. CONNECTING: it
      // is retrying by itself.
      const closed = source.readyState === EventSource.CLOSED;
      if (closed) {
        source.close();
        if (pool.get(url) === created) pool.delete(url);
      }
      created.subscribers.forEach((s) => s.onError(closed));
    };
    for (const type of INBOX_EVENT_TYPES) {
      source.addEventListener(type, ((e: MessageEvent<string>) => {
        const event = parseLiveEvent(type, e.data);
        if (event) created.subscribers.forEach((s) => s.onEvent(event));
      }) as EventListener);
    }
    pool.set(url, created);
    shared = created;
  }
  const mine = shared;
  mine.subscribers.add(subscriber);
  // Joining a stream that is already open: nothing will say "open" again.
  if (mine.source.readyState === EventSource.OPEN) subscriber.onOpen();
  return () => {
    mine.subscribers.delete(subscriber);
    if (mine.subscribers.size === 0) {
      mine.source.close();
      if (pool.get(url) === mine) pool.delete(url);
    }
  };
}

/**
 * Subscribes to the server's event stream with EventSource (the session cookie
 * authenticates it). When the stream cannot be opened, or while it reconnects,
 * `poll` runs every 5 s instead (when given); when the stream comes back, `poll`
 * runs once to catch up and polling stops.
 */
export function useLiveEvents(
  url: string,
  onEvent: (event: InboxEvent) => void,
  poll?: () => void,
  pollMs: number = FALLBACK_POLL_MS,
): LiveMode {
  const [mode, setMode] = useState<LiveMode>('connecting');
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const pollRef = useRef(poll);
  pollRef.current = poll;

  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const startPolling = () => {
      setMode('polling');
      if (timer === null && pollRef.current) timer = setInterval(() => pollRef.current?.(), pollMs);
    };
    const stopPolling = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };

    if (typeof EventSource === 'undefined') {
      startPolling();
      return stopPolling;
    }
    let hadError = false;
    let unsubscribe: (() => void) | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const connect = () => {
      retry = null;
      try {
        unsubscribe = subscribe(url, {
          onOpen: () => {
            setMode('live');
            if (hadError) pollRef.current?.();
            hadError = false;
            stopPolling();
          },
          onError: (closed) => {
            hadError = true;
            startPolling();
            // Refused: poll meanwhile and ask for a stream again later (a 503 for
            // too many open streams passes once some close).
            if (closed && retry === null) {
              unsubscribe?.();
              unsubscribe = null;
              retry = setTimeout(connect, STREAM_RETRY_MS);
            }
          },
          onEvent: (event) => onEventRef.current(event),
        });
      } catch {
        startPolling();
      }
    };
    connect();
    return () => {
      if (retry !== null) clearTimeout(retry);
      unsubscribe?.();
      stopPolling();
    };
  }, [url, pollMs]);

  return mode;
}

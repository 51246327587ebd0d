import { useEffect, useRef, useState } from 'react';
import { LIVE_EVENT_TYPES, type LiveEvent } from '../../api/conversations';
import { parseLiveEvent } from './inbox';

export const FALLBACK_POLL_MS = 5000;

export type LiveMode = 'connecting' | 'live' | 'polling';

/**
 * Subscribes to the server's event stream with EventSource (the session cookie
 * authenticates it). When the stream cannot be opened, or while it reconnects,
 * `poll` runs every 5 s instead; when the stream comes back, `poll` runs once to
 * catch up and polling stops.
 */
export function useLiveEvents(
  url: string,
  onEvent: (event: LiveEvent) => void,
  poll: () => void,
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
      if (timer === null) timer = setInterval(() => pollRef.current(), pollMs);
    };
    const stopPolling = () => {
      if (timer !== null) clearInterval(timer);
      timer = null;
    };

    if (typeof EventSource === 'undefined') {
      startPolling();
      return stopPolling;
    }
    let source: EventSource;
    try {
      source = new EventSource(url, { withCredentials: true });
    } catch {
      startPolling();
      return stopPolling;
    }
    let hadError = false;
    source.onopen = () => {
      setMode('live');
      if (hadError) pollRef.current();
      hadError = false;
      stopPolling();
    };
    source.onerror = () => {
      hadError = true;
      // CLOSED: the server refused the stream (e.g. 404, or not text/event-stream);
      // the browser does not retry, so poll for good. CONNECTING: it is retrying;
      // poll meanwhile.
      if (source.readyState === EventSource.CLOSED) source.close();
      startPolling();
    };
    const listeners = LIVE_EVENT_TYPES.map((type) => {
      const listener = (e: MessageEvent<string>) => {
        const event = parseLiveEvent(type, e.data);
        if (event) onEventRef.current(event);
      };
      source.addEventListener(type, listener as EventListener);
      return [type, listener] as const;
    });
    return () => {
      for (const [type, listener] of listeners) source.removeEventListener(type, listener as EventListener);
      source.close();
      stopPolling();
    };
  }, [url, pollMs]);

  return mode;
}

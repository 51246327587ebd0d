import { useEffect, useRef, useState } from 'react';
import { useApi } from '../../api/context';
import type { ExecutionEvent } from './contract';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/** Reads an `execution.updated` event's data; null when it is not one. */
export function parseExecutionEvent(data: string): ExecutionEvent | null {
  try {
    const v = JSON.parse(data) as Partial<ExecutionEvent>;
    if (typeof v.execution_id !== 'string' || typeof v.workflow_id !== 'string' || typeof v.status !== 'string') return null;
    return { execution_id: v.execution_id, workflow_id: v.workflow_id, status: v.status, state: v.state ?? '', error: v.error ?? null };
  } catch {
    return null;
  }
}

/**
 * `execution.updated` from the live stream (/api/v1/stream, the session cookie
 * authenticates it). While it reconnects, `onReconnect` runs once it is back, so a page
 * can fetch what it missed.
 */
export function useExecutionEvents(onEvent: (e: ExecutionEvent) => void, onReconnect?: () => void): StreamState {
  const api = useApi();
  const [state, setState] = useState<StreamState>('connecting');
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;
  const onReconnectRef = useRef(onReconnect);
  onReconnectRef.current = onReconnect;

  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const source = new EventSource(api.streamUrl(), { withCredentials: true });
    let lost = false;
    source.onopen = () => {
      setState('live');
      if (lost) onReconnectRef.current?.();
      lost = false;
    };
    source.onerror = () => {
      lost = true;
      setState('reconnecting');
    };
    source.addEventListener('execution.updated', ((e: MessageEvent<string>) => {
      const event = parseExecutionEvent(e.data);
      if (event) onEventRef.current(event);
    }) as EventListener);
    // The server dropped events for this slow client: fetch again.
    source.addEventListener('resync', () => onReconnectRef.current?.());
    return () => source.close();
  }, [api]);

  return state;
}

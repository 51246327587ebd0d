// The signed-in agent's presence (POST /api/v1/presence): "online" when the dashboard
// opens and every 30 s while it stays open, "away" as soon as its tab is hidden (and
// every 30 s while it stays hidden), "online" again when it is shown. The server counts
// an agent offline 90 s after the last report, so a closed tab or a sleeping laptop needs
// no goodbye; the price is up to 90 s of a stale "online".
import { useEffect } from 'react';
import { useApi } from '../api/context';

export type PresenceStatus = 'online' | 'away';

export const PRESENCE_INTERVAL_MS = 30_000;

function statusOf(doc: Pick<Document, 'visibilityState'>): PresenceStatus {
  return doc.visibilityState === 'hidden' ? 'away' : 'online';
}

/**
 * Starts reporting presence through `send`; returns the function that stops it. A failed
 * report is dropped: the next one comes within 30 s.
 */
export function startPresence(
  send: (status: PresenceStatus) => Promise<unknown>,
  doc: Pick<Document, 'visibilityState' | 'addEventListener' | 'removeEventListener'> = document,
  intervalMs: number = PRESENCE_INTERVAL_MS,
): () => void {
  const report = () => {
    send(statusOf(doc)).catch(() => undefined);
  };
  let timer = setInterval(report, intervalMs);
  const onVisibility = () => {
    report();
    // A fresh period from this report, so the next heartbeat is a full interval away.
    clearInterval(timer);
    timer = setInterval(report, intervalMs);
  };
  report();
  doc.addEventListener('visibilitychange', onVisibility);
  return () => {
    clearInterval(timer);
    doc.removeEventListener('visibilitychange', onVisibility);
  };
}

/** Reports the signed-in agent's presence while the component using it is mounted. */
export function usePresence(): void {
  const api = useApi();
  useEffect(
    () => startPresence((status) => api.send<void>('POST', '/api/v1/presence', { body: { status } })),
    [api],
  );
}

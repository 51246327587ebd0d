import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRESENCE_INTERVAL_MS, startPresence, type PresenceStatus } from './presence';

/** A document whose visibility the test sets. */
function fakeDocument(initial: DocumentVisibilityState = 'visible') {
  const target = new EventTarget();
  const doc = {
    visibilityState: initial,
    addEventListener: target.addEventListener.bind(target),
    removeEventListener: target.removeEventListener.bind(target),
    set(state: DocumentVisibilityState) {
      doc.visibilityState = state;
      target.dispatchEvent(new Event('visibilitychange'));
    },
  };
  return doc;
}

describe('presence', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reports online at once and every 30 s', () => {
    const sent: PresenceStatus[] = [];
    const stop = startPresence(async (s) => void sent.push(s), fakeDocument());
    expect(sent).toEqual(['online']);
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS - 1);
    expect(sent).toEqual(['online']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['online', 'online']);
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS * 2);
    expect(sent).toHaveLength(4);
    stop();
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS * 3);
    expect(sent).toHaveLength(4);
  });

  it('says away when the tab is hidden, keeps saying it, and online when shown again', () => {
    const doc = fakeDocument();
    const sent: PresenceStatus[] = [];
    const stop = startPresence(async (s) => void sent.push(s), doc);
    vi.advanceTimersByTime(10_000);
    doc.set('hidden');
    expect(sent).toEqual(['online', 'away']);
    // The next heartbeat is a full period after the change, and still away.
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS - 1);
    expect(sent).toEqual(['online', 'away']);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['online', 'away', 'away']);
    doc.set('visible');
    expect(sent.at(-1)).toBe('online');
    stop();
    doc.set('hidden');
    expect(sent.at(-1)).toBe('online');
  });

  it('starts away in a hidden tab, and survives failed reports', async () => {
    const send = vi.fn().mockRejectedValue(new Error('offline'));
    const stop = startPresence(send, fakeDocument('hidden'));
    expect(send).toHaveBeenLastCalledWith('away');
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS);
    expect(send).toHaveBeenCalledTimes(2);
    await Promise.resolve();
    stop();
  });
});

import { useEffect, useState } from 'react';

/**
 * Whole seconds left until `until` (a Date.now() timestamp), re-rendering a
 * few times a second while counting. Null when there is nothing to count.
 * The value is computed during render, so it is right on the very first
 * render after `until` changes.
 */
export function useSecondsUntil(until: number | null): number | null {
  const [, setTick] = useState(0);

  useEffect(() => {
    if (until == null) return;
    const timer = setInterval(() => {
      setTick((t) => t + 1);
      if (Date.now() >= until) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);

  if (until == null) return null;
  return Math.max(0, Math.ceil((until - Date.now()) / 1000));
}

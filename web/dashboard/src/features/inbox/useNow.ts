import { useEffect, useState } from 'react';

/** The time, updated every `intervalMs`: for texts like "waiting 4 min" that age while shown. */
export function useNow(intervalMs: number = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

import { useEffect, useState } from 'react';

/**
 * Counts whole seconds down to zero from `start` (restarting whenever `start`
 * or `epoch` changes). Returns null while there is nothing to count.
 */
export function useCountdown(start: number | null, epoch: number): number | null {
  const [left, setLeft] = useState<number | null>(start);

  useEffect(() => {
    setLeft(start);
    if (start == null || start <= 0) return;
    const endsAt = Date.now() + start * 1000;
    const timer = setInterval(() => {
      const remaining = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      setLeft(remaining);
      if (remaining === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [start, epoch]);

  return left;
}

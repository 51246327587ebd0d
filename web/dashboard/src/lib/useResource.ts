import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replace the data locally, e.g. with the server's answer to a write. */
  setData: (data: T) => void;
  /**
   * The data as last set, already before React renders it. Two answers or events can
   * land before the next render: the second must build on the first, and `data` (what
   * the last render saw) would make it overwrite the first.
   */
  latest: () => T | undefined;
}

/** Loads `load()` on mount and whenever `key` changes; ignores stale answers. */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [data, setState] = useState<T | undefined>(undefined);
  const current = useRef<T | undefined>(undefined);
  const setData = useCallback((value: T | undefined) => {
    current.current = value;
    setState(value);
  }, []);
  const latest = useCallback(() => current.current, []);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const value = await loadRef.current();
      if (mine === generation.current) {
        setData(value);
        setError(undefined);
      }
    } catch (e) {
      if (mine === generation.current) setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, [setData]);

  useEffect(() => {
    setData(undefined);
    void reload();
  }, [key, reload, setData]);

  return { data, error, loading, reload, setData, latest };
}

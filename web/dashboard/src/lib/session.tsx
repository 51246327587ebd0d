// Who is signed in: the app's auth gate and shell use it, and so does every
// feature that checks a role or signs in. Shared code rather than the auth
// feature's, because a feature may not import another feature.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useApi } from '../api/context';
import { ApiError, errorMessage } from '../api/errors';
import type { Me, Role } from '../api/types';

export const UNAUTHENTICATED_EVENT = 'parley:unauthenticated';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'authenticated'; me: Me }
  | { status: 'error'; message: string };

interface SessionValue {
  state: SessionState;
  signedIn: (me: Me) => void;
  logout: () => Promise<void>;
  retry: () => void;
}

const SessionContext = createContext<SessionValue | null>(null);

/** Owners and admins manage bots and tokens; agents only read. */
export function canManage(role: Role): boolean {
  return role === 'owner' || role === 'admin';
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const check = useCallback(async () => {
    setState({ status: 'loading' });
    try {
      setState({ status: 'authenticated', me: await api.auth.me() });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setState({ status: 'anonymous' });
      else setState({ status: 'error', message: errorMessage(e) });
    }
  }, [api]);

  useEffect(() => {
    void check();
  }, [check]);

  useEffect(() => {
    const expired = () => {
      api.setCsrfToken(null);
      setState({ status: 'anonymous' });
    };
    window.addEventListener(UNAUTHENTICATED_EVENT, expired);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, expired);
  }, [api]);

  const value = useMemo<SessionValue>(
    () => ({
      state,
      signedIn: (me) => setState({ status: 'authenticated', me }),
      logout: async () => {
        try {
          await api.auth.logout();
        } finally {
          setState({ status: 'anonymous' });
        }
      },
      retry: () => void check(),
    }),
    [state, api, check],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside <SessionProvider>');
  return value;
}

/** The signed-in user; only for components rendered behind the auth gate. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'authenticated') throw new Error('useMe used while not signed in');
  return state.me;
}

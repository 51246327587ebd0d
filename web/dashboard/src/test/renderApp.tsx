import { render } from '@testing-library/react';
import { createApi } from '../api/client';
import { ApiProvider } from '../api/context';
import { App } from '../app/App';
import { SessionProvider, UNAUTHENTICATED_EVENT } from '../lib/session';
import { ToastProvider } from '../ui/Toast';
import { fakeFetch, type Handler } from './fakeFetch';

/** Renders the whole app at `path` (inside /app) against fake API routes. */
export function renderApp(path: string, routes: Record<string, Handler>) {
  window.history.replaceState(null, '', `/app${path}`);
  // The shell reports presence on every page; tests that care name the route themselves.
  const fake = fakeFetch(routes, { background: { 'POST /api/v1/presence': () => new Response(null, { status: 204 }) } });
  const api = createApi({
    baseUrl: window.location.origin,
    fetch: fake.fetch,
    onUnauthenticated: () => window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT)),
  });
  const view = render(
    <ApiProvider api={api}>
      <ToastProvider>
        <SessionProvider>
          <App />
        </SessionProvider>
      </ToastProvider>
    </ApiProvider>,
  );
  return { ...view, calls: fake.calls, api };
}

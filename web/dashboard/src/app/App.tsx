import { useEffect } from 'react';
import { BotDetailPage } from '../features/bots/BotDetailPage';
import { BotsPage } from '../features/bots/BotsPage';
import { LoginPage } from '../features/auth/LoginPage';
import { canManage, useSession } from '../features/auth/session';
import { TokensPage } from '../features/tokens/TokensPage';
import { FaqsPage } from '../features/faqs/FaqsPage';
import { InboxPage } from '../features/inbox/InboxPage';
import { IntentsPage } from '../features/intents/IntentsPage';
import { KnowledgePage } from '../features/knowledge/KnowledgePage';
import { Button } from '../ui/Button';
import { Loading, PageHeader } from './Page';
import { Link, matchPath, navigate, useLocation } from './router';
import { Shell } from './Shell';
import type { Me } from '../api/types';

/** Which page a path shows, and where to send the user instead, if anywhere. */
export type Route =
  | { page: 'login' }
  | { page: 'bots' }
  | { page: 'bot'; id: string }
  | { page: 'knowledge'; id: string }
  | { page: 'faqs'; id: string }
  | { page: 'intents'; id: string }
  | { page: 'inbox'; conversationId?: string }
  | { page: 'tokens' }
  | { page: 'not-found' }
  | { redirect: string };

export function resolveRoute(path: string, me: Me | null): Route {
  if (path === '/login') return me ? { redirect: '/bots' } : { page: 'login' };
  if (!me) return { redirect: path === '/' ? '/login' : `/login?next=${encodeURIComponent(path)}` };
  if (path === '/' || path === '') return { redirect: '/bots' };
  if (matchPath('/bots', path)) return { page: 'bots' };
  const bot = matchPath('/bots/:id', path);
  if (bot?.id) return { page: 'bot', id: bot.id };
  const knowledge = matchPath('/bots/:id/knowledge', path);
  if (knowledge?.id) return { page: 'knowledge', id: knowledge.id };
  const faqs = matchPath('/bots/:id/faqs', path);
  if (faqs?.id) return { page: 'faqs', id: faqs.id };
  const intents = matchPath('/bots/:id/intents', path);
  if (intents?.id) return { page: 'intents', id: intents.id };
  if (matchPath('/inbox', path)) return { page: 'inbox' };
  const conversation = matchPath('/inbox/:id', path);
  if (conversation?.id) return { page: 'inbox', conversationId: conversation.id };
  if (matchPath('/tokens', path)) return canManage(me.role) ? { page: 'tokens' } : { redirect: '/bots' };
  return { page: 'not-found' };
}

const TITLES: Record<string, string> = {
  login: 'Sign in',
  bots: 'Bots',
  bot: 'Bot',
  knowledge: 'Knowledge',
  faqs: 'FAQ',
  intents: 'Intents',
  inbox: 'Inbox',
  tokens: 'API tokens',
  'not-found': 'Not found',
};

export function App() {
  const { state, retry } = useSession();
  const { path } = useLocation();
  const me = state.status === 'authenticated' ? state.me : null;
  const route = state.status === 'authenticated' || state.status === 'anonymous' ? resolveRoute(path, me) : null;
  const redirect = route && 'redirect' in route ? route.redirect : null;

  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);

  useEffect(() => {
    if (route && 'page' in route) document.title = `${TITLES[route.page] ?? 'Parley'} · Parley`;
  }, [route]);

  if (state.status === 'loading') {
    return (
      <div className="boot">
        <Loading label="Loading Parley" />
      </div>
    );
  }
  if (state.status === 'error') {
    return (
      <main className="auth-page">
        <div className="auth-card">
          <h1 className="auth-title">Cannot reach Parley</h1>
          <div className="alert alert-error" role="alert">
            {state.message}
          </div>
          <Button variant="primary" onClick={retry}>
            Try again
          </Button>
        </div>
      </main>
    );
  }
  if (!route || 'redirect' in route) return null;
  if (route.page === 'login') return <LoginPage />;

  return (
    <Shell>
      {route.page === 'bots' && <BotsPage />}
      {route.page === 'bot' && <BotDetailPage id={route.id} />}
      {route.page === 'knowledge' && <KnowledgePage key={route.id} id={route.id} />}
      {route.page === 'faqs' && <FaqsPage key={route.id} id={route.id} />}
      {route.page === 'intents' && <IntentsPage key={route.id} id={route.id} />}
      {route.page === 'inbox' && <InboxPage conversationId={route.conversationId} />}
      {route.page === 'tokens' && <TokensPage />}
      {route.page === 'not-found' && (
        <>
          <PageHeader title="Page not found" description="There is nothing at this address." />
          <Link to="/bots">Go to Bots</Link>
        </>
      )}
    </Shell>
  );
}

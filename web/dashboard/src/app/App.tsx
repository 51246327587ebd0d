import { useEffect, type ReactNode } from 'react';
import { LoginPage } from '../features/auth/LoginPage';
import { BotDetailPage } from '../features/bots/BotDetailPage';
import { BotsPage } from '../features/bots/BotsPage';
import { FaqsPage } from '../features/faqs/FaqsPage';
import { InboxPage } from '../features/inbox/InboxPage';
import { IntentsPage } from '../features/intents/IntentsPage';
import { KnowledgePage } from '../features/knowledge/KnowledgePage';
import { TokensPage } from '../features/tokens/TokensPage';
import { Link, navigate, useLocation } from '../lib/router';
import { useSession } from '../lib/session';
import { Button } from '../ui/Button';
import { formatDateTime } from '../ui/format';
import { Loading, PageHeader } from '../ui/Page';
import { BotSubpage } from './BotSubpage';
import { TITLES, resolveRoute, type Route } from './routes';
import { Shell } from './Shell';

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
    if (route && 'page' in route) document.title = `${TITLES[route.page]} · Parley`;
  }, [route]);

  const booting = (
    <div className="boot">
      <Loading label="Loading Parley" />
    </div>
  );

  if (state.status === 'loading') return booting;
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
  if (route.page === 'login') {
    return <LoginPage />;
  }
  return <Shell>{page(route)}</Shell>;
}

/** The page inside the shell. A bot's pages share its frame (header and tabs), which loads the bot. */
function page(route: Exclude<Route, { redirect: string } | { page: 'login' }>): ReactNode {
  switch (route.page) {
    case 'bots':
      return <BotsPage />;
    case 'bot':
      return (
        <BotSubpage
          key={`bot:${route.id}`}
          id={route.id}
          tab="settings"
          description={(bot) => (
            <>
              Created {formatDateTime(bot.created_at)} · Updated {formatDateTime(bot.updated_at)}
            </>
          )}
        >
          {(bot, onBotChange) => <BotDetailPage key={bot.id} bot={bot} onBotChange={onBotChange} />}
        </BotSubpage>
      );
    case 'knowledge':
      return (
        <BotSubpage
          key={`knowledge:${route.id}`}
          id={route.id}
          tab="knowledge"
          description="Documents the bot answers from. Uploads are split into passages and indexed."
        >
          {(bot) => <KnowledgePage bot={bot} />}
        </BotSubpage>
      );
    case 'faqs':
      return (
        <BotSubpage
          key={`faqs:${route.id}`}
          id={route.id}
          tab="faqs"
          description="Questions the bot answers word for word, checked before the documents."
        >
          {(bot) => <FaqsPage bot={bot} />}
        </BotSubpage>
      );
    case 'intents':
      return (
        <BotSubpage
          key={`intents:${route.id}`}
          id={route.id}
          tab="intents"
          description="What visitors want, detected on every message: the built-in intents plus your own."
        >
          {(bot) => <IntentsPage bot={bot} />}
        </BotSubpage>
      );
    case 'inbox':
      return <InboxPage conversationId={route.conversationId} />;
    case 'tokens':
      return <TokensPage />;
    case 'not-found':
      return (
        <>
          <PageHeader title="Page not found" description="There is nothing at this address." />
          <Link to="/bots">Go to Bots</Link>
        </>
      );
  }
}

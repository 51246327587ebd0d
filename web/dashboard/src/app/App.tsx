import { Suspense, lazy, useEffect, type ReactNode } from 'react';
import { Link, navigate, useLocation } from '../lib/router';
import { useSession } from '../lib/session';
import { Button } from '../ui/Button';
import { formatDateTime } from '../ui/format';
import { Loading, PageHeader } from '../ui/Page';
import { BotSubpage } from './BotSubpage';
import { TITLES, resolveRoute, type Route } from './routes';
import { Shell } from './Shell';

// Every page is its own chunk, fetched the first time it is shown, so the first
// load is the shell and the sign-in page whatever pages are added later. The
// pages are named exports; each is unwrapped for React.lazy here.
const LoginPage = lazy(() => import('../features/auth/LoginPage').then((m) => ({ default: m.LoginPage })));
const BotsPage = lazy(() => import('../features/bots/BotsPage').then((m) => ({ default: m.BotsPage })));
const BotDetailPage = lazy(() => import('../features/bots/BotDetailPage').then((m) => ({ default: m.BotDetailPage })));
const KnowledgePage = lazy(() => import('../features/knowledge/KnowledgePage').then((m) => ({ default: m.KnowledgePage })));
const FaqsPage = lazy(() => import('../features/faqs/FaqsPage').then((m) => ({ default: m.FaqsPage })));
const IntentsPage = lazy(() => import('../features/intents/IntentsPage').then((m) => ({ default: m.IntentsPage })));
const InboxPage = lazy(() => import('../features/inbox/InboxPage').then((m) => ({ default: m.InboxPage })));
const AnalyticsPage = lazy(() => import('../features/analytics/AnalyticsPage').then((m) => ({ default: m.AnalyticsPage })));
const ContactsPage = lazy(() => import('../features/contacts/ContactsPage').then((m) => ({ default: m.ContactsPage })));
const ContactDetailPage = lazy(() =>
  import('../features/contacts/ContactDetailPage').then((m) => ({ default: m.ContactDetailPage })),
);
const CannedRepliesPage = lazy(() =>
  import('../features/canned/CannedRepliesPage').then((m) => ({ default: m.CannedRepliesPage })),
);
const IntegrationsPage = lazy(() =>
  import('../features/integrations/IntegrationsPage').then((m) => ({ default: m.IntegrationsPage })),
);
// One chunk for the workflows area; it loads the canvas builder (React Flow) on its own route only.
const WorkflowsArea = lazy(() => import('../features/workflows/WorkflowsArea').then((m) => ({ default: m.WorkflowsArea })));
const MembersPage = lazy(() => import('../features/members/MembersPage').then((m) => ({ default: m.MembersPage })));
const AcceptInvitePage = lazy(() => import('../features/members/AcceptInvitePage').then((m) => ({ default: m.AcceptInvitePage })));
const ResetPasswordPage = lazy(() =>
  import('../features/members/ResetPasswordPage').then((m) => ({ default: m.ResetPasswordPage })),
);
const WorkspaceSettingsPage = lazy(() =>
  import('../features/workspaces/WorkspaceSettingsPage').then((m) => ({ default: m.WorkspaceSettingsPage })),
);
const SystemPage = lazy(() => import('../features/system/SystemPage').then((m) => ({ default: m.SystemPage })));
const PrivacyPage = lazy(() => import('../features/privacy/PrivacyPage').then((m) => ({ default: m.PrivacyPage })));
const TokensPage = lazy(() => import('../features/tokens/TokensPage').then((m) => ({ default: m.TokensPage })));
// Handoff alerts ring on every page of the signed-in app, not only the inbox; loaded after the page.
const HandoffAlerts = lazy(() => import('../features/inbox/HandoffAlerts').then((m) => ({ default: m.HandoffAlerts })));

/** While a page's chunk is on its way: the shell (and a bot's header and tabs) stay, the page area says so. */
function PageSuspense({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Loading label="Loading page" />}>{children}</Suspense>;
}

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
    return (
      <Suspense fallback={booting}>
        <LoginPage />
      </Suspense>
    );
  }
  if (route.page === 'accept-invite' || route.page === 'reset-password') {
    return <Suspense fallback={booting}>{route.page === 'accept-invite' ? <AcceptInvitePage /> : <ResetPasswordPage />}</Suspense>;
  }
  return (
    <Shell>
      {page(route)}
      <Suspense fallback={null}>
        <HandoffAlerts />
      </Suspense>
    </Shell>
  );
}

/** The page inside the shell. A bot's pages share its frame (header and tabs), which loads the bot. */
function page(
  route: Exclude<Route, { redirect: string } | { page: 'login' } | { page: 'accept-invite' } | { page: 'reset-password' }>,
): ReactNode {
  switch (route.page) {
    case 'bots':
      return (
        <PageSuspense>
          <BotsPage />
        </PageSuspense>
      );
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
      return (
        <PageSuspense>
          <InboxPage conversationId={route.conversationId} />
        </PageSuspense>
      );
    case 'analytics':
      return (
        <PageSuspense>
          <AnalyticsPage />
        </PageSuspense>
      );
    case 'contacts':
      return (
        <PageSuspense>
          <ContactsPage />
        </PageSuspense>
      );
    case 'contact':
      return (
        <PageSuspense>
          <ContactDetailPage key={route.id} id={route.id} />
        </PageSuspense>
      );
    case 'canned':
      return (
        <PageSuspense>
          <CannedRepliesPage />
        </PageSuspense>
      );
    case 'integrations':
      return (
        <PageSuspense>
          <IntegrationsPage />
        </PageSuspense>
      );
    case 'workflows':
      return (
        <PageSuspense>
          <WorkflowsArea path={route.path} />
        </PageSuspense>
      );
    case 'tokens':
      return (
        <PageSuspense>
          <TokensPage />
        </PageSuspense>
      );
    case 'members':
      return (
        <PageSuspense>
          <MembersPage />
        </PageSuspense>
      );
    case 'settings':
      return (
        <PageSuspense>
          <WorkspaceSettingsPage />
        </PageSuspense>
      );
    case 'system':
      return (
        <PageSuspense>
          <SystemPage />
        </PageSuspense>
      );
    case 'privacy':
      return (
        <PageSuspense>
          <PrivacyPage />
        </PageSuspense>
      );
    case 'not-found':
      return (
        <>
          <PageHeader title="Page not found" description="There is nothing at this address." />
          <Link to="/bots">Go to Bots</Link>
        </>
      );
  }
}

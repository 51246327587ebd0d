// Which page a path shows. Pure, so it is tested without rendering; the pages
// themselves are loaded on demand by App.tsx.
import type { Me } from '../api/types';
import { matchPath } from '../lib/router';
import { canManage } from '../lib/session';

/** Which page a path shows, and where to send the user instead, if anywhere. */
export type Route =
  | { page: 'login' }
  | { page: 'bots' }
  | { page: 'bot'; id: string }
  | { page: 'knowledge'; id: string }
  | { page: 'faqs'; id: string }
  | { page: 'intents'; id: string }
  | { page: 'inbox'; conversationId?: string }
  | { page: 'contacts' }
  | { page: 'analytics' }
  | { page: 'contact'; id: string }
  | { page: 'canned' }
  | { page: 'tokens' }
  | { page: 'integrations' }
  | { page: 'workflows'; path: string }
  | { page: 'members' }
  | { page: 'settings' }
  | { page: 'system' }
  | { page: 'privacy' }
  | { page: 'accept-invite' }
  | { page: 'reset-password' }
  | { page: 'not-found' }
  | { redirect: string };

export type Page = Extract<Route, { page: string }>['page'];

export function resolveRoute(path: string, me: Me | null): Route {
  if (path === '/login') return me ? { redirect: '/bots' } : { page: 'login' };
  // Reached from an emailed link, signed in or not: the token in the query string is the credential.
  if (matchPath('/accept-invite', path)) return { page: 'accept-invite' };
  if (matchPath('/reset-password', path)) return { page: 'reset-password' };
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
  if (matchPath('/contacts', path)) return { page: 'contacts' };
  if (matchPath('/analytics', path)) return { page: 'analytics' };
  const contact = matchPath('/contacts/:id', path);
  if (contact?.id) return { page: 'contact', id: contact.id };
  if (matchPath('/canned-replies', path)) return { page: 'canned' };
  if (matchPath('/integrations', path)) return { page: 'integrations' };
  // The workflows area (list, builder, runs, executions) resolves its own sub-paths.
  if (path === '/workflows' || path.startsWith('/workflows/')) return { page: 'workflows', path };
  if (matchPath('/members', path)) return { page: 'members' };
  if (matchPath('/settings', path)) return canManage(me.role) ? { page: 'settings' } : { redirect: '/bots' };
  if (matchPath('/system', path)) return canManage(me.role) ? { page: 'system' } : { redirect: '/bots' };
  if (matchPath('/privacy', path)) return canManage(me.role) ? { page: 'privacy' } : { redirect: '/bots' };
  if (matchPath('/tokens', path)) return canManage(me.role) ? { page: 'tokens' } : { redirect: '/bots' };
  return { page: 'not-found' };
}

/** The document title of each page ("… · Parley"). */
export const TITLES: Record<Page, string> = {
  login: 'Sign in',
  bots: 'Bots',
  bot: 'Bot',
  knowledge: 'Knowledge',
  faqs: 'FAQ',
  intents: 'Intents',
  inbox: 'Inbox',
  contacts: 'Contacts',
  analytics: 'Analytics',
  contact: 'Contact',
  canned: 'Canned replies',
  tokens: 'API tokens',
  workflows: 'Workflows',
  integrations: 'Integrations',
  members: 'Members',
  settings: 'Workspace settings',
  system: 'System',
  privacy: 'Privacy',
  'accept-invite': 'Join the workspace',
  'reset-password': 'Reset password',
  'not-found': 'Not found',
};

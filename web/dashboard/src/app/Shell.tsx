import { useState, type ReactNode } from 'react';
import { errorMessage } from '../api/errors';
import { usePresence } from '../lib/presence';
import { Link, navigate, useLocation } from '../lib/router';
import { canManage, useMe, useSession } from '../lib/session';
import { Button } from '../ui/Button';
import { useToast } from '../ui/Toast';
import { WorkspaceSwitcher } from '../features/workspaces/WorkspaceSwitcher';

interface NavItem {
  to: string;
  label: string;
  icon: ReactNode;
  managersOnly?: boolean;
}

const BotIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M10 2a1 1 0 0 1 1 1v1h3a3 3 0 0 1 3 3v6a3 3 0 0 1-3 3H6a3 3 0 0 1-3-3V7a3 3 0 0 1 3-3h3V3a1 1 0 0 1 1-1ZM6 6a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V7a1 1 0 0 0-1-1H6Zm1.5 2.5a1.25 1.25 0 1 1 0 2.5 1.25 1.25 0 0 1 0-2.5Zm5 0a1.25 1.25 0 1 1 0 2.5 1.25 1.25 0 0 1 0-2.5Z"
    />
  </svg>
);
const KeyIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M12.5 2a5.5 5.5 0 1 1-1.7 10.73L9.5 14H8v1.5a.5.5 0 0 1-.5.5H6v1.5a.5.5 0 0 1-.5.5h-3a.5.5 0 0 1-.5-.5v-2.3a.5.5 0 0 1 .15-.35l5.12-5.12A5.5 5.5 0 0 1 12.5 2Zm1 3a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Z"
    />
  </svg>
);

const InboxIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M5.2 3h9.6a2 2 0 0 1 1.86 1.26l2.2 5.5c.09.23.14.48.14.74V15a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2v-4.5c0-.26.05-.51.14-.74l2.2-5.5A2 2 0 0 1 5.2 3Zm0 2-2 5H7a1 1 0 0 1 1 1 2 2 0 0 0 4 0 1 1 0 0 1 1-1h3.8l-2-5H5.2ZM3 12v3h14v-3h-3.13a4 4 0 0 1-7.74 0H3Z"
    />
  </svg>
);

const ContactsIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M7.5 3a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7Zm0 2a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3ZM14 5a3 3 0 1 1 0 6 3 3 0 0 1 0-6Zm0 2a1 1 0 1 0 0 2 1 1 0 0 0 0-2ZM7.5 11c3.04 0 5.5 1.9 5.5 4.25V16a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1v-.75C2 12.9 4.46 11 7.5 11Zm0 2c-1.8 0-3.12.86-3.43 2h6.86c-.31-1.14-1.63-2-3.43-2Zm6.5-.5c2.2 0 4 1.4 4 3.25V16a1 1 0 0 1-1 1h-2.1a3 3 0 0 0 .1-.75v-.76c0-.77-.2-1.5-.56-2.15.5-.1 1.02-.14 1.56-.14Z"
    />
  </svg>
);

const RepliesIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M4 3h12a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H9.41l-3.7 3.7A1 1 0 0 1 4 18v-3a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2Zm0 2v8h1a1 1 0 0 1 1 1v1.59l2.3-2.3A1 1 0 0 1 9 13h7V5H4Zm2 2h8v2H6V7Zm0 3h5v2H6v-2Z"
    />
  </svg>
);

const PlugIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M7 2a1 1 0 0 1 1 1v3h4V3a1 1 0 1 1 2 0v3h1a1 1 0 0 1 1 1v2a6 6 0 0 1-5 5.92V17a1 1 0 1 1-2 0v-2.08A6 6 0 0 1 4 9V7a1 1 0 0 1 1-1h1V3a1 1 0 0 1 1-1Z"
    />
  </svg>
);

const FlowIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M4 2h5a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1H7.5v3.5H11V11a1 1 0 0 1 1-1h4a1 1 0 0 1 1 1v4a1 1 0 0 1-1 1h-4a1 1 0 0 1-1-1v-1.5H6.5a1 1 0 0 1-1-1V8H4a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1Z"
    />
  </svg>
);

const ChartIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path fill="currentColor" d="M3 3a1 1 0 0 1 1 1v11h13a1 1 0 1 1 0 2H3a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1Zm4 7a1 1 0 0 1 1 1v2a1 1 0 1 1-2 0v-2a1 1 0 0 1 1-1Zm4-3a1 1 0 0 1 1 1v5a1 1 0 1 1-2 0V8a1 1 0 0 1 1-1Zm4-3a1 1 0 0 1 1 1v8a1 1 0 1 1-2 0V5a1 1 0 0 1 1-1Z" />
  </svg>
);

const TeamIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M7 3a3 3 0 1 1 0 6 3 3 0 0 1 0-6Zm7 1a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5ZM7 10c3 0 5 1.6 5 4v1.5a.5.5 0 0 1-.5.5h-9a.5.5 0 0 1-.5-.5V14c0-2.4 2-4 5-4Zm7 .5c2.2 0 4 1.2 4 3.2v1.8a.5.5 0 0 1-.5.5H13.5v-2c0-1.4-.5-2.6-1.4-3.4.6-.1 1.2-.1 1.9-.1Z"
    />
  </svg>
);

const PulseIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M7.5 3a1 1 0 0 1 .95.68L11 11.3l1.55-3.74A1 1 0 0 1 13.5 7H18a1 1 0 1 1 0 2h-3.83l-2.25 5.43a1 1 0 0 1-1.87-.07L7.6 7.1 6.45 10.3A1 1 0 0 1 5.5 11H2a1 1 0 1 1 0-2h2.8l1.75-5.33A1 1 0 0 1 7.5 3Z"
    />
  </svg>
);

const ShieldIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M9.6 2.1a1 1 0 0 1 .8 0l6 2.5a1 1 0 0 1 .6.9v4c0 4-2.7 7.1-6.7 8.4a1 1 0 0 1-.6 0C5.7 16.6 3 13.5 3 9.5v-4a1 1 0 0 1 .6-.9l6-2.5ZM10 4.1 5 6.2v3.3c0 2.9 1.8 5.3 5 6.4 3.2-1.1 5-3.5 5-6.4V6.2l-5-2.1Z"
    />
  </svg>
);

const GearIcon = (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
    <path
      fill="currentColor"
      d="M8.7 2h2.6l.4 2.1c.5.2 1 .5 1.4.8l2-.7 1.3 2.3-1.6 1.4a5.6 5.6 0 0 1 0 1.6l1.6 1.4-1.3 2.3-2-.7c-.4.3-.9.6-1.4.8l-.4 2.1H8.7l-.4-2.1c-.5-.2-1-.5-1.4-.8l-2 .7-1.3-2.3 1.6-1.4a5.6 5.6 0 0 1 0-1.6L3.6 6.5l1.3-2.3 2 .7c.4-.3.9-.6 1.4-.8L8.7 2ZM10 7.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z"
    />
  </svg>
);

const NAV: NavItem[] = [
  { to: '/inbox', label: 'Inbox', icon: InboxIcon },
  { to: '/contacts', label: 'Contacts', icon: ContactsIcon },
  { to: '/analytics', label: 'Analytics', icon: ChartIcon },
  { to: '/bots', label: 'Bots', icon: BotIcon },
  { to: '/canned-replies', label: 'Canned replies', icon: RepliesIcon },
  { to: '/workflows', label: 'Workflows', icon: FlowIcon },
  { to: '/integrations', label: 'Integrations', icon: PlugIcon },
  { to: '/members', label: 'Members', icon: TeamIcon },
  { to: '/system', label: 'System', icon: PulseIcon, managersOnly: true },
  { to: '/privacy', label: 'Privacy', icon: ShieldIcon, managersOnly: true },
  { to: '/settings', label: 'Workspace', icon: GearIcon, managersOnly: true },
  { to: '/tokens', label: 'API tokens', icon: KeyIcon, managersOnly: true },
];

export function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const { logout } = useSession();
  const toast = useToast();
  const { path } = useLocation();
  const [leaving, setLeaving] = useState(false);
  const manage = canManage(me.role);
  // Online while any page of the signed-in app is open, away while its tab is hidden.
  usePresence();

  const signOut = async () => {
    setLeaving(true);
    try {
      await logout();
    } catch (e) {
      toast(`Signed out locally: ${errorMessage(e)}`, 'error');
    } finally {
      setLeaving(false);
      navigate('/login', { replace: true });
    }
  };

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="sidebar-brand">
          <span className="brand-mark" aria-hidden="true">
            P
          </span>
          <span className="brand-name">Parley</span>
        </div>
        <nav aria-label="Main">
          <ul className="nav-list">
            {NAV.filter((item) => manage || !item.managersOnly).map((item) => {
              const active = path === item.to || path.startsWith(`${item.to}/`);
              return (
                <li key={item.to}>
                  <Link to={item.to} className={active ? 'nav-link nav-link-active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
                    {item.icon}
                    <span>{item.label}</span>
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      </aside>
      <div className="shell-main">
        <header className="topbar">
          <div className="topbar-workspace">
            <span className="workspace-avatar" aria-hidden="true">
              {me.workspace.name.trim().charAt(0).toUpperCase() || 'W'}
            </span>
            <WorkspaceSwitcher />
          </div>
          <div className="topbar-user">
            <span className="role-pill">{me.role}</span>
            <span className="user-email" title={me.user.name || me.user.email}>
              {me.user.email}
            </span>
            <Button size="sm" variant="ghost" onClick={signOut} loading={leaving}>
              Log out
            </Button>
          </div>
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}

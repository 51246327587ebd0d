import { Link } from '../lib/router';

export type BotTab = 'settings' | 'knowledge' | 'faqs' | 'intents';

const TABS: Array<{ tab: BotTab; label: string; suffix: string }> = [
  { tab: 'settings', label: 'Settings', suffix: '' },
  { tab: 'knowledge', label: 'Knowledge', suffix: '/knowledge' },
  { tab: 'faqs', label: 'FAQ', suffix: '/faqs' },
  { tab: 'intents', label: 'Intents', suffix: '/intents' },
];

/** The bot pages' sub-navigation: settings, knowledge, FAQ, intents. */
export function BotTabs({ botId, current }: { botId: string; current: BotTab }) {
  const base = `/bots/${encodeURIComponent(botId)}`;
  return (
    <nav className="tabs" aria-label="Bot sections">
      {TABS.map((t) => (
        <Link
          key={t.tab}
          to={`${base}${t.suffix}`}
          className={t.tab === current ? 'tab tab-active' : 'tab'}
          aria-current={t.tab === current ? 'page' : undefined}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}

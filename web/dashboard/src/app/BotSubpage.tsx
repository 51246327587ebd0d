import { Suspense, type ReactNode } from 'react';
import { useApi } from '../api/context';
import { ApiError } from '../api/errors';
import type { Bot } from '../api/types';
import { Link } from '../lib/router';
import { useResource } from '../lib/useResource';
import { LoadError, Loading, PageHeader } from '../ui/Page';
import { BotTabs, type BotTab } from './BotTabs';

/**
 * The frame of a bot's pages (settings, knowledge, FAQ, intents): loads the bot
 * and shows its header and tabs around the page, which gets the bot and a way
 * to replace it (a saved rename shows in the header). The page itself may be
 * lazy: it loads inside the frame.
 */
export function BotSubpage({
  id,
  tab,
  description,
  children,
}: {
  id: string;
  tab: BotTab;
  description: ReactNode | ((bot: Bot) => ReactNode);
  children: (bot: Bot, onBotChange: (bot: Bot) => void) => ReactNode;
}) {
  const api = useApi();
  const bot = useResource(() => api.bots.get(id), id);
  if (bot.error !== undefined) {
    const notFound = bot.error instanceof ApiError && bot.error.status === 404;
    return (
      <>
        <PageHeader title={notFound ? 'Bot not found' : 'Bot'} back={<BackLink />} />
        {notFound ? <p className="muted">This bot does not exist or was deleted.</p> : <LoadError error={bot.error} onRetry={bot.reload} />}
      </>
    );
  }
  if (bot.data === undefined) return <Loading label="Loading bot" />;
  return (
    <>
      <PageHeader
        back={<BackLink />}
        title={bot.data.name}
        description={typeof description === 'function' ? description(bot.data) : description}
      />
      <BotTabs botId={bot.data.id} current={tab} />
      <Suspense fallback={<Loading label="Loading page" />}>{children(bot.data, bot.setData)}</Suspense>
    </>
  );
}

function BackLink() {
  return (
    <Link to="/bots" className="back-link" aria-label="Back to Bots">
      <span aria-hidden="true">←</span> Bots
    </Link>
  );
}

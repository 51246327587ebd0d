import type { ReactNode } from 'react';
import { useApi } from '../../api/context';
import { ApiError } from '../../api/errors';
import type { Bot } from '../../api/types';
import { LoadError, Loading, PageHeader } from '../../app/Page';
import { useResource } from '../../lib/useResource';
import { BackLink } from './BotDetailPage';
import { BotTabs, type BotTab } from './BotTabs';

/** Loads a bot and frames one of its sub-pages (knowledge, FAQ, intents) with the bot's header and tabs. */
export function BotSubpage({
  id,
  tab,
  description,
  children,
}: {
  id: string;
  tab: BotTab;
  description: ReactNode;
  children: (bot: Bot) => ReactNode;
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
      <PageHeader back={<BackLink />} title={bot.data.name} description={description} />
      <BotTabs botId={bot.data.id} current={tab} />
      {children(bot.data)}
    </>
  );
}

import { useState } from 'react';
import { useApi } from '../../api/context';
import type { Bot } from '../../api/types';
import { Link } from '../../lib/router';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDate } from '../../ui/format';
import { PageHeader, LoadError, Loading } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { NewBotDialog } from './NewBotDialog';

export function BotsPage() {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const bots = useResource(() => api.bots.list(), 'bots');
  const [creating, setCreating] = useState(false);
  const manage = canManage(me.role);

  const created = (bot: Bot) => {
    setCreating(false);
    bots.setData([...(bots.data ?? []), bot]);
    toast(`Bot "${bot.name}" created`);
  };

  return (
    <>
      <PageHeader
        title="Bots"
        description="Each bot has its own knowledge, appearance and embed snippet."
        actions={
          manage && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              New bot
            </Button>
          )
        }
      />
      {bots.error !== undefined ? (
        <LoadError error={bots.error} onRetry={bots.reload} />
      ) : bots.data === undefined ? (
        <Loading label="Loading bots" />
      ) : (
        <Table<Bot>
          label="Bots"
          rows={bots.data}
          rowKey={(b) => b.id}
          empty={
            <div className="empty-state">
              <p className="empty-title">No bots yet</p>
              <p className="empty-text">
                {manage ? 'Create a bot to get an embed snippet for your site.' : 'An admin has not created any bots yet.'}
              </p>
              {manage && (
                <Button variant="primary" onClick={() => setCreating(true)}>
                  New bot
                </Button>
              )}
            </div>
          }
          columns={[
            {
              key: 'name',
              header: 'Name',
              render: (b) => (
                <Link to={`/bots/${encodeURIComponent(b.id)}`} className="table-link">
                  {b.name}
                </Link>
              ),
            },
            { key: 'key', header: 'Public key', render: (b) => <code className="mono-chip">{b.public_key}</code> },
            {
              key: 'origins',
              header: 'Allowed origins',
              render: (b) =>
                b.allowed_origins.length === 0 ? (
                  <span className="muted">Any origin</span>
                ) : (
                  `${b.allowed_origins.length} origin${b.allowed_origins.length === 1 ? '' : 's'}`
                ),
            },
            { key: 'created', header: 'Created', render: (b) => <time dateTime={b.created_at}>{formatDate(b.created_at)}</time> },
          ]}
        />
      )}
      <NewBotDialog open={creating} onClose={() => setCreating(false)} onCreated={created} />
    </>
  );
}

import { useState } from 'react';
import { useApi } from '../../api/context';
import type { ApiToken, TokenCreated } from '../../api/types';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { formatDate, formatDateTime, formatRelative } from '../../ui/format';
import { ConfirmDialog } from '../../ui/Modal';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { CreateTokenDialog } from './CreateTokenDialog';
import { sortTokens, tokenStatus } from './tokens';

export function TokensPage() {
  const api = useApi();
  const toast = useToast();
  const tokens = useResource(() => api.tokens.list(), 'tokens');
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  const created = (result: TokenCreated) => {
    tokens.setData([result.token, ...(tokens.data ?? []).filter((t) => t.id !== result.token.id)]);
  };

  const revoke = async () => {
    if (!revoking) return;
    await api.tokens.revoke(revoking.id);
    toast(`Token "${revoking.name}" revoked`);
    setRevoking(null);
    await tokens.reload();
  };

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens authenticate scripts and integrations with Authorization: Bearer."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            Create token
          </Button>
        }
      />
      {tokens.error !== undefined ? (
        <LoadError error={tokens.error} onRetry={tokens.reload} />
      ) : tokens.data === undefined ? (
        <Loading label="Loading tokens" />
      ) : (
        <Table<ApiToken>
          label="API tokens"
          rows={sortTokens(tokens.data)}
          rowKey={(t) => t.id}
          empty={
            <div className="empty-state">
              <p className="empty-title">No API tokens</p>
              <p className="empty-text">Create a token to call the API from scripts and integrations.</p>
            </div>
          }
          columns={[
            { key: 'name', header: 'Name', render: (t) => <span className="strong">{t.name}</span> },
            { key: 'prefix', header: 'Prefix', render: (t) => <code className="mono-chip">{t.prefix}…</code> },
            { key: 'role', header: 'Role', render: (t) => <span className="capitalize">{t.role}</span> },
            { key: 'created', header: 'Created', render: (t) => <time dateTime={t.created_at}>{formatDate(t.created_at)}</time> },
            {
              key: 'used',
              header: 'Last used',
              render: (t) =>
                t.last_used_at ? (
                  <time dateTime={t.last_used_at} title={formatDateTime(t.last_used_at)}>
                    {formatRelative(t.last_used_at)}
                  </time>
                ) : (
                  <span className="muted">Never</span>
                ),
            },
            {
              key: 'status',
              header: 'Status',
              render: (t) =>
                tokenStatus(t) === 'active' ? (
                  <Badge tone="success">Active</Badge>
                ) : (
                  <span title={`Revoked ${formatDateTime(t.revoked_at)}`}>
                    <Badge tone="neutral">Revoked</Badge>
                  </span>
                ),
            },
            {
              key: 'actions',
              header: <span className="sr-only">Actions</span>,
              className: 'cell-actions',
              render: (t) =>
                tokenStatus(t) === 'active' && (
                  <Button size="sm" variant="ghost" className="btn-danger-text" onClick={() => setRevoking(t)} aria-label={`Revoke ${t.name}`}>
                    Revoke
                  </Button>
                ),
            },
          ]}
        />
      )}
      <CreateTokenDialog open={creating} onClose={() => setCreating(false)} onCreated={created} />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke "${revoking?.name ?? ''}"?`}
        confirmLabel="Revoke token"
        onCancel={() => setRevoking(null)}
        onConfirm={revoke}
      >
        <p>Requests using this token are refused from now on. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

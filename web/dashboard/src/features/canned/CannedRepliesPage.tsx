import { useState } from 'react';
import { useApi } from '../../api/context';
import { PLACEHOLDERS, UNKNOWN_VISITOR_NAME } from '../../lib/placeholders';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { formatDate } from '../../ui/format';
import { ConfirmDialog } from '../../ui/Modal';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { sortReplies } from './canned';
import { CannedReplyDialog } from './CannedReplyDialog';
import type { CannedReply, CannedReplyInput } from './contract';
import './canned.css';

const PATH = '/api/v1/canned-replies';

/** /canned-replies: the workspace's saved answers, inserted in the inbox by shortcut. */
export function CannedRepliesPage() {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const replies = useResource(async () => sortReplies(await api.send<CannedReply[]>('GET', PATH)), 'canned-replies');
  const [editing, setEditing] = useState<{ reply: CannedReply | null } | null>(null);
  const [deleting, setDeleting] = useState<CannedReply | null>(null);
  const list = replies.data ?? [];

  const save = async (input: CannedReplyInput) => {
    if (!editing) return;
    const current = replies.latest() ?? [];
    if (editing.reply) {
      const updated = await api.send<CannedReply>('PUT', `${PATH}/${encodeURIComponent(editing.reply.id)}`, { body: input });
      replies.setData(sortReplies(current.map((r) => (r.id === updated.id ? updated : r))));
      toast(`/${updated.shortcut} saved`);
    } else {
      const created = await api.send<CannedReply>('POST', PATH, { body: input });
      replies.setData(sortReplies([...current.filter((r) => r.id !== created.id), created]));
      toast(`/${created.shortcut} added`);
    }
    setEditing(null);
  };

  const remove = async () => {
    if (!deleting) return;
    await api.send<void>('DELETE', `${PATH}/${encodeURIComponent(deleting.id)}`);
    replies.setData((replies.latest() ?? []).filter((r) => r.id !== deleting.id));
    toast(`/${deleting.shortcut} deleted`);
    setDeleting(null);
  };

  const newButton = manage && (
    <Button variant="primary" onClick={() => setEditing({ reply: null })}>
      New reply
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Canned replies"
        description="Answers your team gives often. In the inbox’s reply box, type / and a shortcut to insert one."
        actions={newButton}
      />
      {!manage && (
        <div className="alert alert-info" role="note">
          You can use these replies in the inbox. Ask an admin to add or change them.
        </div>
      )}
      <div className="detail-grid">
        <div className="canned-main">
          {replies.error !== undefined && replies.data === undefined ? (
            <LoadError error={replies.error} onRetry={replies.reload} />
          ) : replies.data === undefined ? (
            <Loading label="Loading canned replies" />
          ) : (
            <Table<CannedReply>
              label="Canned replies"
              rows={list}
              rowKey={(r) => r.id}
              empty={
                <div className="empty-state">
                  <p className="empty-title">No canned replies yet</p>
                  <p className="empty-text">
                    Save the answers your team types again and again, like shipping times or how to return an item. Agents insert
                    one by typing / and its shortcut.
                  </p>
                  {newButton}
                </div>
              }
              columns={[
                { key: 'shortcut', header: 'Shortcut', render: (r) => <code className="mono-chip">/{r.shortcut}</code> },
                { key: 'body', header: 'Reply', render: (r) => <p className="canned-body">{r.body}</p> },
                { key: 'created', header: 'Added', className: 'canned-date', render: (r) => <time dateTime={r.created_at}>{formatDate(r.created_at)}</time> },
                ...(manage
                  ? [
                      {
                        key: 'actions',
                        header: <span className="sr-only">Actions</span>,
                        className: 'cell-actions',
                        render: (r: CannedReply) => (
                          <div className="canned-actions">
                            <Button size="sm" variant="ghost" aria-label={`Edit /${r.shortcut}`} onClick={() => setEditing({ reply: r })}>
                              Edit
                            </Button>
                            <Button
                              size="sm"
                              variant="ghost"
                              className="btn-danger-text"
                              aria-label={`Delete /${r.shortcut}`}
                              onClick={() => setDeleting(r)}
                            >
                              Delete
                            </Button>
                          </div>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          )}
        </div>
        <aside className="detail-side">
          <Card title="Placeholders" headingId="placeholders-heading" description="Filled in when an agent inserts the reply.">
            <dl className="placeholder-list">
              {PLACEHOLDERS.map((p) => (
                <div key={p.token}>
                  <dt>
                    <code className="mono-chip">{p.token}</code>
                  </dt>
                  <dd>{p.meaning}</dd>
                </div>
              ))}
            </dl>
            <p className="card-text placeholder-example">
              “Hi {'{{visitor.name}}'}!” reads “Hi Jo!”, or “Hi {UNKNOWN_VISITOR_NAME}!” when the visitor gave no name.
            </p>
          </Card>
        </aside>
      </div>

      <CannedReplyDialog
        open={editing !== null}
        reply={editing?.reply ?? null}
        agentName={me.user.name || me.user.email}
        onClose={() => setEditing(null)}
        onSave={save}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete /${deleting?.shortcut ?? ''}?`}
        confirmLabel="Delete reply"
        onCancel={() => setDeleting(null)}
        onConfirm={remove}
      >
        <p>Agents can no longer insert this reply. Messages already sent with it stay as they are. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}

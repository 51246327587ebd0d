import { useRef, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Role } from '../../api/types';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { CopyButton } from '../../ui/CopyButton';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { formatDate, formatDateTime, formatRelative } from '../../ui/format';
import { ConfirmDialog, Dialog } from '../../ui/Modal';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import {
  ROLE_LABELS,
  assignableRoles,
  canChange,
  looksLikeEmail,
  sortMembers,
  type InvitationCreated,
  type InvitationList,
  type Invitation,
  type Member,
} from './members';
import './members.css';

export function MembersPage() {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const members = useResource(() => api.send<{ items: Member[] }>('GET', '/api/v1/members').then((r) => r.items), 'members');
  const invitations = useResource(
    () => (manage ? api.send<InvitationList>('GET', '/api/v1/invitations') : Promise.resolve({ items: [], email_enabled: false })),
    `invitations-${manage}`,
  );
  const [inviting, setInviting] = useState(false);
  const [deactivating, setDeactivating] = useState<Member | null>(null);
  const [revoking, setRevoking] = useState<Invitation | null>(null);
  const [busyRow, setBusyRow] = useState<string | null>(null);

  const changeRole = async (member: Member, role: Role) => {
    setBusyRow(member.user_id);
    try {
      await api.send('PATCH', `/api/v1/members/${encodeURIComponent(member.user_id)}`, { body: { role } });
      toast(`${member.name || member.email} is now ${ROLE_LABELS[role].toLowerCase()}`);
      await members.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusyRow(null);
    }
  };

  const reactivate = async (member: Member) => {
    setBusyRow(member.user_id);
    try {
      await api.send('POST', `/api/v1/members/${encodeURIComponent(member.user_id)}/reactivate`);
      toast(`${member.name || member.email} can sign in again`);
      await members.reload();
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setBusyRow(null);
    }
  };

  const deactivate = async () => {
    if (!deactivating) return;
    try {
      await api.send('POST', `/api/v1/members/${encodeURIComponent(deactivating.user_id)}/deactivate`);
      toast(`${deactivating.name || deactivating.email} was deactivated`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
    setDeactivating(null);
    await members.reload();
  };

  const revoke = async () => {
    if (!revoking) return;
    try {
      await api.send('DELETE', `/api/v1/invitations/${encodeURIComponent(revoking.id)}`);
      toast(`Invitation for ${revoking.email} withdrawn`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
    setRevoking(null);
    await invitations.reload();
  };

  const pending = invitations.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="Members"
        description="Who works in this workspace, their roles, and invitations."
        actions={
          manage && (
            <Button variant="primary" onClick={() => setInviting(true)}>
              Invite member
            </Button>
          )
        }
      />
      {members.error !== undefined ? (
        <LoadError error={members.error} onRetry={members.reload} />
      ) : members.data === undefined ? (
        <Loading label="Loading members" />
      ) : (
        <Table<Member>
          label="Members"
          rows={sortMembers(members.data)}
          rowKey={(m) => m.user_id}
          empty={
            <div className="empty-state">
              <p className="empty-title">No members</p>
              <p className="empty-text">Invite a colleague to work the inbox with you.</p>
            </div>
          }
          columns={[
            {
              key: 'name',
              header: 'Name',
              render: (m) => (
                <span className="strong">
                  {m.name || m.email}
                  {m.user_id === me.user.id && <span className="muted"> (you)</span>}
                </span>
              ),
            },
            { key: 'email', header: 'Email', render: (m) => m.email },
            {
              key: 'role',
              header: 'Role',
              render: (m) =>
                manage && canChange(me.role, me.user.id, m) && m.status === 'active' ? (
                  <Select
                    aria-label={`Role of ${m.email}`}
                    value={m.role}
                    disabled={busyRow === m.user_id}
                    onChange={(e) => void changeRole(m, e.target.value as Role)}
                  >
                    {assignableRoles(me.role).map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABELS[r]}
                      </option>
                    ))}
                  </Select>
                ) : (
                  <span className="capitalize">{m.role}</span>
                ),
            },
            {
              key: 'status',
              header: 'Status',
              render: (m) => (m.status === 'active' ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Deactivated</Badge>),
            },
            {
              key: 'active',
              header: 'Last active',
              render: (m) =>
                m.last_active_at ? (
                  <time dateTime={m.last_active_at} title={formatDateTime(m.last_active_at)}>
                    {formatRelative(m.last_active_at)}
                  </time>
                ) : (
                  <span className="muted">Never</span>
                ),
            },
            {
              key: 'actions',
              header: <span className="sr-only">Actions</span>,
              className: 'cell-actions',
              render: (m) =>
                manage &&
                canChange(me.role, me.user.id, m) &&
                (m.status === 'active' ? (
                  <Button size="sm" variant="ghost" className="btn-danger-text" onClick={() => setDeactivating(m)} aria-label={`Deactivate ${m.email}`}>
                    Deactivate
                  </Button>
                ) : (
                  <Button size="sm" variant="ghost" loading={busyRow === m.user_id} onClick={() => void reactivate(m)} aria-label={`Reactivate ${m.email}`}>
                    Reactivate
                  </Button>
                )),
            },
          ]}
        />
      )}

      {manage && (
        <section className="members-pending" aria-labelledby="pending-heading">
          <h2 id="pending-heading" className="section-title">
            Pending invitations
          </h2>
          {invitations.error !== undefined ? (
            <LoadError error={invitations.error} onRetry={invitations.reload} />
          ) : invitations.data === undefined ? (
            <Loading label="Loading invitations" />
          ) : (
            <>
              {!invitations.data.email_enabled && (
                <p className="field-hint">
                  Email is not set up on this server (PARLEY_SMTP_URL), so invitation links are shown for you to copy and send.
                </p>
              )}
              <Table<Invitation>
                label="Pending invitations"
                rows={pending}
                rowKey={(i) => i.id}
                empty={
                  <div className="empty-state">
                    <p className="empty-title">No pending invitations</p>
                    <p className="empty-text">Invitations you send wait here until they are accepted (7 days at most).</p>
                  </div>
                }
                columns={[
                  { key: 'email', header: 'Email', render: (i) => <span className="strong">{i.email}</span> },
                  { key: 'role', header: 'Role', render: (i) => <span className="capitalize">{i.role}</span> },
                  { key: 'sent', header: 'Sent', render: (i) => <time dateTime={i.created_at}>{formatDate(i.created_at)}</time> },
                  {
                    key: 'expires',
                    header: 'Expires',
                    render: (i) => (
                      <time dateTime={i.expires_at} title={formatDateTime(i.expires_at)}>
                        {formatDate(i.expires_at)}
                      </time>
                    ),
                  },
                  {
                    key: 'actions',
                    header: <span className="sr-only">Actions</span>,
                    className: 'cell-actions',
                    render: (i) => (
                      <Button size="sm" variant="ghost" className="btn-danger-text" onClick={() => setRevoking(i)} aria-label={`Revoke invitation for ${i.email}`}>
                        Revoke
                      </Button>
                    ),
                  },
                ]}
              />
            </>
          )}
        </section>
      )}

      <InviteDialog
        open={inviting}
        actorRole={me.role}
        onClose={() => setInviting(false)}
        onInvited={() => void invitations.reload()}
      />
      <ConfirmDialog
        open={deactivating !== null}
        title={`Deactivate ${deactivating?.name || deactivating?.email || ''}?`}
        confirmLabel="Deactivate"
        onCancel={() => setDeactivating(null)}
        onConfirm={deactivate}
      >
        <p>They are signed out at once and their API tokens in this workspace stop working. You can reactivate them later; their tokens stay revoked.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={revoking !== null}
        title={`Withdraw the invitation for ${revoking?.email ?? ''}?`}
        confirmLabel="Withdraw invitation"
        onCancel={() => setRevoking(null)}
        onConfirm={revoke}
      >
        <p>The link stops working. You can invite them again later.</p>
      </ConfirmDialog>
    </>
  );
}

interface InviteDialogProps {
  open: boolean;
  actorRole: Role;
  onClose: () => void;
  onInvited: () => void;
}

/** Mounted on each opening, so it starts empty and forgets the link once closed. */
function InviteDialog(props: InviteDialogProps) {
  return props.open ? <OpenInviteDialog {...props} /> : null;
}

function OpenInviteDialog({ open, actorRole, onClose, onInvited }: InviteDialogProps) {
  const api = useApi();
  const roles = assignableRoles(actorRole);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<InvitationCreated | null>(null);
  const linkRef = useRef<HTMLElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!looksLikeEmail(email)) {
      setFieldErrors({ email: 'Enter an email address' });
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      const result = await api.send<InvitationCreated>('POST', '/api/v1/invitations', { body: { email: email.trim(), role } });
      setCreated(result);
      onInvited();
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setFieldErrors(fields);
      if (Object.keys(fields).length === 0) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={onClose}
        title={created.emailed ? 'Invitation sent' : 'Copy the invitation link'}
        description={`${created.invitation.email} is invited as ${created.invitation.role}.`}
        footer={
          <Button variant="primary" onClick={onClose} data-autofocus>
            Done
          </Button>
        }
      >
        {created.link ? (
          <>
            <div className="alert alert-warning" role="alert">
              Email is not set up on this server. Send this link to {created.invitation.email} yourself: it works once, for 7 days, and is not shown again.
            </div>
            <div className="secret-box">
              <code ref={linkRef} className="secret-value" aria-label="Invitation link">
                {created.link}
              </code>
              <CopyButton text={created.link} fallbackRef={linkRef} ariaLabel="Copy invitation link" />
            </div>
          </>
        ) : (
          <p>An email with a link to join is on its way to {created.invitation.email}. The link works for 7 days.</p>
        )}
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={onClose} busy={busy} title="Invite a member" description="They get a link to choose a password and join this workspace.">
      <form className="form-stack" onSubmit={submit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <Field label="Email" error={fieldErrors.email}>
          {(p) => <Input {...p} type="email" name="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label="Role" error={fieldErrors.role} hint="Agents work the inbox; admins also manage bots and settings; owners also manage admins.">
          {(p) => (
            <Select {...p} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {ROLE_LABELS[r]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <div className="modal-actions">
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy}>
            Send invitation
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

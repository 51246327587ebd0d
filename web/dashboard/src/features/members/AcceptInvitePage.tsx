import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Me } from '../../api/types';
import { Link, navigate, useLocation } from '../../lib/router';
import { useSession } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Loading } from '../../ui/Page';
import { AuthCard } from './AuthCard';
import { ROLE_LABELS, passwordProblems, tokenFrom, type InvitationPreview } from './members';
import './members.css';

type Errors = Partial<Record<'name' | 'password' | 'confirm', string>>;

export function AcceptInvitePage() {
  const api = useApi();
  const { signedIn } = useSession();
  const token = tokenFrom(useLocation().search);
  const preview = useResource(
    () =>
      token
        ? api.send<InvitationPreview>('POST', '/api/v1/invitations/preview', { body: { token } })
        : Promise.reject(new ApiError({ status: 422, code: 'invalid_input', message: 'This link has no invitation in it.' })),
    `invite-${token}`,
  );
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (preview.error !== undefined) {
    const message = preview.error instanceof ApiError ? (preview.error.fields.token ?? preview.error.message) : errorMessage(preview.error);
    return (
      <AuthCard title="This invitation cannot be used">
        <div className="alert alert-error" role="alert">
          {message}
        </div>
        <p className="auth-subtitle">Ask the person who invited you for a new invitation.</p>
        <Link to="/login">Go to sign in</Link>
      </AuthCard>
    );
  }
  if (preview.data === undefined) {
    return (
      <AuthCard title="Join the workspace">
        <Loading label="Checking the invitation" />
      </AuthCard>
    );
  }
  const invite = preview.data;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const found: Errors = invite.existing_user
      ? password
        ? {}
        : { password: 'Enter your password' }
      : { ...passwordProblems(password, confirm), ...(name.trim() ? {} : { name: 'Enter your name' }) };
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const me = await api.send<Me>('POST', '/api/v1/invitations/accept', { body: { token, name: name.trim(), password } });
      api.setCsrfToken(me.csrf_token ?? null);
      signedIn(me);
      navigate('/inbox', { replace: true });
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setErrors({ name: fields.name, password: fields.password });
      setError(fields.token ?? (fields.name || fields.password ? null : errorMessage(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title={`Join ${invite.workspace_name}`}
      subtitle={
        <>
          You are invited as {ROLE_LABELS[invite.role].toLowerCase()} with <strong>{invite.email}</strong>.
          {invite.existing_user ? ' Confirm with the password of your Parley account.' : ' Choose your name and a password.'}
        </>
      }
    >
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <form className="form-stack" onSubmit={submit} noValidate>
        <input type="hidden" name="username" autoComplete="username" value={invite.email} readOnly />
        {!invite.existing_user && (
          <Field label="Your name" error={errors.name}>
            {(p) => <Input {...p} name="name" autoComplete="name" autoFocus value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
        )}
        <Field label="Password" error={errors.password} hint={invite.existing_user ? undefined : 'At least 10 characters. A few words make a good one.'}>
          {(p) => (
            <Input
              {...p}
              type="password"
              name="password"
              autoComplete={invite.existing_user ? 'current-password' : 'new-password'}
              autoFocus={invite.existing_user}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        {!invite.existing_user && (
          <Field label="Confirm password" error={errors.confirm}>
            {(p) => <Input {...p} type="password" name="confirm" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />}
          </Field>
        )}
        <Button type="submit" variant="primary" className="btn-block" loading={busy}>
          Join workspace
        </Button>
      </form>
    </AuthCard>
  );
}

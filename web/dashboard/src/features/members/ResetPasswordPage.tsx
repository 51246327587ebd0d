import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Me } from '../../api/types';
import { Link, navigate, useLocation } from '../../lib/router';
import { useSession } from '../../lib/session';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { AuthCard } from './AuthCard';
import { looksLikeEmail, passwordProblems, tokenFrom } from './members';
import './members.css';

/** With a token (the emailed link): choose a new password. Without: ask for the link. */
export function ResetPasswordPage() {
  const token = tokenFrom(useLocation().search);
  return token ? <ChooseNewPassword token={token} /> : <RequestReset />;
}

function RequestReset() {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!looksLikeEmail(email)) {
      setFieldError('Enter your email address');
      return;
    }
    setFieldError(undefined);
    setBusy(true);
    try {
      await api.send('POST', '/api/v1/auth/forgot-password', { body: { email: email.trim() } });
      setSent(true);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (sent) {
    return (
      <AuthCard title="Check your email">
        <div className="alert alert-info" role="status">
          If {email.trim()} has a Parley account, a link to choose a new password is on its way. It works for one hour.
        </div>
        <p className="auth-subtitle">No email? Check your spam folder, or ask an admin: they can reset it from the server with parley admin reset-password.</p>
        <Link to="/login">Back to sign in</Link>
      </AuthCard>
    );
  }

  return (
    <AuthCard title="Forgot your password?" subtitle="Enter your account's email and we send you a link to choose a new one.">
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <form className="form-stack" onSubmit={submit} noValidate>
        <Field label="Email" error={fieldError}>
          {(p) => <Input {...p} type="email" name="email" autoComplete="username" autoFocus value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Button type="submit" variant="primary" className="btn-block" loading={busy}>
          Send reset link
        </Button>
      </form>
      <div className="auth-links">
        <Link to="/login">Back to sign in</Link>
      </div>
    </AuthCard>
  );
}

function ChooseNewPassword({ token }: { token: string }) {
  const api = useApi();
  const { signedIn } = useSession();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ password?: string; confirm?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const found = passwordProblems(password, confirm);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const me = await api.send<Me>('POST', '/api/v1/auth/reset-password', { body: { token, password } });
      api.setCsrfToken(me.csrf_token ?? null);
      signedIn(me);
      navigate('/inbox', { replace: true });
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setErrors({ password: fields.password });
      setError(fields.token ?? (fields.password ? null : errorMessage(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard title="Choose a new password" subtitle="Your other sessions end when you save it.">
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
          {error.includes('expired') || error.includes('used') || error.includes('not valid') ? (
            <>
              {' '}
              <Link to="/reset-password">Ask for a new link</Link>
            </>
          ) : null}
        </div>
      )}
      <form className="form-stack" onSubmit={submit} noValidate>
        <Field label="New password" error={errors.password} hint="At least 10 characters.">
          {(p) => <Input {...p} type="password" name="password" autoComplete="new-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <Field label="Confirm password" error={errors.confirm}>
          {(p) => <Input {...p} type="password" name="confirm" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />}
        </Field>
        <Button type="submit" variant="primary" className="btn-block" loading={busy}>
          Save password
        </Button>
      </form>
    </AuthCard>
  );
}

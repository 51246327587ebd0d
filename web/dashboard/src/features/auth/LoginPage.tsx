import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError } from '../../api/errors';
import { Link, navigate, useLocation } from '../../lib/router';
import { useSession } from '../../lib/session';
import { useSecondsUntil } from '../../lib/useSecondsUntil';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { loginErrorMessage, safeNext, tooManyAttemptsMessage } from './loginErrors';

type FieldErrors = Partial<Record<'email' | 'password', string>>;

export function LoginPage() {
  const api = useApi();
  const { signedIn } = useSession();
  const { search } = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  // When a 429 said to wait: the Date.now() at which trying again is allowed.
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const secondsLeft = useSecondsUntil(lockedUntil);
  const locked = secondsLeft != null && secondsLeft > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const errors: FieldErrors = {};
    if (!email.trim()) errors.email = 'Enter your email address';
    else if (!email.includes('@')) errors.email = 'Enter a valid email address';
    if (!password) errors.password = 'Enter your password';
    setFieldErrors(errors);
    setError(null);
    if (Object.keys(errors).length > 0) return;

    setLockedUntil(null);
    setSubmitting(true);
    try {
      const me = await api.auth.login({ email: email.trim(), password });
      signedIn(me);
      navigate(safeNext(search.get('next')), { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 429 && e.retryAfter != null && e.retryAfter > 0) {
        setLockedUntil(Date.now() + e.retryAfter * 1000);
      }
      if (e instanceof ApiError) {
        setFieldErrors({ email: e.fields.email, password: e.fields.password });
      }
      setError(loginErrorMessage(e));
    } finally {
      setSubmitting(false);
    }
  };

  // While locked out the banner counts down, and it goes away when the wait is over.
  const banner = secondsLeft != null ? (locked ? tooManyAttemptsMessage(secondsLeft) : null) : error;

  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="brand-mark" aria-hidden="true">
            P
          </span>
          <span className="brand-name">Parley</span>
        </div>
        <h1 className="auth-title">Sign in to your workspace</h1>
        <p className="auth-subtitle">Use the email and password of your Parley account.</p>
        {banner && (
          <div className="alert alert-error" role="alert">
            {banner}
          </div>
        )}
        <form className="form-stack" onSubmit={submit} noValidate>
          <Field label="Email" error={fieldErrors.email}>
            {(p) => (
              <Input
                {...p}
                type="email"
                name="email"
                autoComplete="username"
                autoFocus
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label="Password" error={fieldErrors.password}>
            {(p) => (
              <Input
                {...p}
                type="password"
                name="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" className="btn-block" loading={submitting} disabled={locked}>
            Sign in
          </Button>
        </form>
        <p className="auth-subtitle">
          <Link to="/reset-password">Forgot password?</Link>
        </p>
      </div>
    </main>
  );
}

import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { useToast } from '../../ui/Toast';
import { providerPath, type AppInput, type Provider } from './contract';
import { VENDORS, checkApp } from './integrations';

/**
 * The provider's OAuth app: which one is in use (the operator's settings or this
 * workspace's), a form to set this workspace's own, and the way back to the settings. The
 * secret is write-only: the API never returns it, so the field always starts empty and a
 * save sends both values again.
 */
export function AppForm({ provider, onChange }: { provider: Provider; onChange: (p: Provider) => void }) {
  const api = useApi();
  const toast = useToast();
  const v = VENDORS[provider.provider];
  // Open from the start when there is no app at all: that is what the card asks for.
  const [editing, setEditing] = useState(!provider.oauth_configured);
  const [values, setValues] = useState<AppInput>({ client_id: '', client_secret: '' });
  const [errors, setErrors] = useState<{ client_id?: string; client_secret?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'reset' | null>(null);

  const open = () => {
    setValues({ client_id: provider.app_source === 'workspace' ? (provider.client_id ?? '') : '', client_secret: '' });
    setErrors({});
    setError(null);
    setEditing(true);
  };

  const set = (key: keyof AppInput, value: string) => {
    setValues((current) => ({ ...current, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const problems = checkApp(values);
    setErrors(problems);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    setBusy('save');
    try {
      const saved = await api.send<Provider>('PUT', providerPath(provider.provider, 'app'), {
        body: { client_id: values.client_id.trim(), client_secret: values.client_secret.trim() },
      });
      onChange(saved);
      setEditing(false);
      setValues({ client_id: '', client_secret: '' });
      toast(`${provider.name} app saved`);
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fields).length > 0) {
        setErrors({ client_id: e.fields.client_id, client_secret: e.fields.client_secret });
      }
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const useSettings = async () => {
    setBusy('reset');
    setError(null);
    try {
      const saved = await api.send<Provider>('DELETE', providerPath(provider.provider, 'app'));
      onChange(saved);
      setEditing(!saved.oauth_configured);
      toast(saved.oauth_configured ? `${provider.name} uses the server’s app again` : `${provider.name} app removed`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const source =
    provider.app_source === 'workspace'
      ? 'This workspace’s own app'
      : provider.app_source === 'settings'
        ? `The server’s settings (${v.envId})`
        : null;

  return (
    <div className="integration-setup-block">
      <h3 className="integration-subtitle">OAuth app</h3>
      {source ? (
        <p className="integration-app-source">
          {source}, client ID <code className="mono-chip">{provider.client_id ?? '—'}</code>
        </p>
      ) : (
        <p className="card-text">No OAuth app yet. {v.createApp}, then enter its client ID and secret here.</p>
      )}
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      {editing ? (
        <form className="form-stack" onSubmit={save} noValidate aria-label={`${provider.name} OAuth app`}>
          <Field label="Client ID" error={errors.client_id}>
            {(p) => (
              <Input
                {...p}
                name="client_id"
                className="mono"
                autoComplete="off"
                spellCheck={false}
                value={values.client_id}
                onChange={(e) => set('client_id', e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Client secret"
            error={errors.client_secret}
            hint={
              provider.app_source === 'workspace'
                ? 'A secret is saved. It is never shown: enter it again to save a change.'
                : 'Stored encrypted and never shown again.'
            }
          >
            {(p) => (
              <Input
                {...p}
                name="client_secret"
                type="password"
                className="mono"
                autoComplete="new-password"
                spellCheck={false}
                value={values.client_secret}
                onChange={(e) => set('client_secret', e.target.value)}
              />
            )}
          </Field>
          <div className="button-row">
            <Button type="submit" variant="primary" size="sm" loading={busy === 'save'} disabled={busy !== null}>
              Save app
            </Button>
            {provider.oauth_configured && (
              <Button size="sm" variant="ghost" onClick={() => setEditing(false)} disabled={busy !== null}>
                Cancel
              </Button>
            )}
          </div>
        </form>
      ) : (
        <div className="button-row">
          <Button size="sm" onClick={open} aria-label={`Change the ${provider.name} OAuth app`}>
            {provider.app_source === 'workspace' ? 'Change' : 'Use another app'}
          </Button>
          {provider.app_source === 'workspace' && (
            <Button size="sm" variant="ghost" onClick={useSettings} loading={busy === 'reset'} disabled={busy !== null}>
              Use the server’s settings
            </Button>
          )}
        </div>
      )}
    </div>
  );
}

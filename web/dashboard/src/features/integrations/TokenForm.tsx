import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { useToast } from '../../ui/Toast';
import { REJECTED, providerPath, type Provider } from './contract';
import { VENDORS, checkToken } from './integrations';

/**
 * "Paste a token instead": a Slack bot token or a HubSpot service key, for self-hosters
 * who do not want an OAuth app. The server checks it against the vendor before saving; a
 * refusal (422 `integration_rejected`) is shown at the field in the vendor's words.
 */
export function TokenForm({ provider, onChange }: { provider: Provider; onChange: (p: Provider) => void }) {
  const api = useApi();
  const toast = useToast();
  const copy = VENDORS[provider.provider].token;
  // Open from the start when pasting is the only way in (no OAuth app and nothing connected).
  const [open, setOpen] = useState(provider.state === 'not_configured');
  const [token, setToken] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!copy) return null;
  const label = copy.label.toLowerCase();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const problem = checkToken(provider.provider, token);
    setFieldError(problem ?? undefined);
    setError(null);
    if (problem) return;
    setBusy(true);
    try {
      const saved = await api.send<Provider>('POST', providerPath(provider.provider, 'token'), { body: { token: token.trim() } });
      setToken('');
      setOpen(false);
      onChange(saved);
      toast(saved.account ? `${provider.name} connected as ${saved.account.name}` : `${provider.name} connected`);
    } catch (e) {
      if (e instanceof ApiError && (e.code === REJECTED || e.status === 422)) setFieldError(`${provider.name} refused it: ${e.message}`);
      else setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (!open) {
    return (
      <div className="integration-setup-block">
        <Button size="sm" onClick={() => setOpen(true)} aria-expanded={false}>
          Paste a {label} instead
        </Button>
      </div>
    );
  }
  return (
    <div className="integration-setup-block">
      <h3 className="integration-subtitle">Paste a {label} instead</h3>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <form className="form-stack" onSubmit={save} noValidate aria-label={`${provider.name} ${label}`}>
        <Field label={copy.label} error={fieldError} hint={`${copy.hint} Stored encrypted and never shown again.`}>
          {(p) => (
            <Input
              {...p}
              name="token"
              type="password"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              placeholder={copy.placeholder}
              value={token}
              onChange={(e) => {
                setToken(e.target.value);
                if (fieldError) setFieldError(undefined);
              }}
            />
          )}
        </Field>
        <div className="button-row">
          <Button type="submit" variant="primary" size="sm" loading={busy}>
            Check and save
          </Button>
          {provider.state !== 'not_configured' && (
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)} disabled={busy}>
              Cancel
            </Button>
          )}
        </div>
      </form>
    </div>
  );
}

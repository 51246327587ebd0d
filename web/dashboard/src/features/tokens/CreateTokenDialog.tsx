import { useRef, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Role, TokenCreated } from '../../api/types';
import { Button } from '../../ui/Button';
import { CopyButton } from '../../ui/CopyButton';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';

/** Roles a token can be given from the dashboard. */
const TOKEN_ROLES: Array<{ value: Role; label: string }> = [
  { value: 'admin', label: 'Admin: manage bots and tokens' },
  { value: 'agent', label: 'Agent: read bots' },
];

interface CreateTokenDialogProps {
  open: boolean;
  onClose: () => void;
  onCreated: (created: TokenCreated) => void;
}

/**
 * Creates a token and shows its secret once. Mounted on each opening: the next opening
 * starts at an empty form with the focus in it, and the secret is not kept once closed.
 */
export function CreateTokenDialog(props: CreateTokenDialogProps) {
  return props.open ? <OpenCreateTokenDialog {...props} /> : null;
}

function OpenCreateTokenDialog({ open, onClose, onCreated }: CreateTokenDialogProps) {
  const api = useApi();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('admin');
  const [busy, setBusy] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<TokenCreated | null>(null);
  const secretRef = useRef<HTMLElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!name.trim()) {
      setFieldErrors({ name: 'Name is required' });
      return;
    }
    setFieldErrors({});
    setBusy(true);
    try {
      const result = await api.tokens.create({ name: name.trim(), role });
      setCreated(result);
      onCreated(result);
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setFieldErrors(fields);
      const others = Object.keys(fields).filter((k) => k !== 'name' && k !== 'role');
      if (Object.keys(fields).length === 0 || others.length > 0) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={onClose}
        title="Copy your new token"
        description={`Token "${created.token.name}" was created with the ${created.token.role} role.`}
        footer={
          <Button variant="primary" onClick={onClose} data-autofocus>
            Done
          </Button>
        }
      >
        <div className="alert alert-warning" role="alert">
          This is the only time the token is shown. Copy it now and store it somewhere safe: it will not be shown again.
        </div>
        <div className="secret-box">
          <code ref={secretRef} className="secret-value" aria-label="New API token">
            {created.secret}
          </code>
          <CopyButton text={created.secret} fallbackRef={secretRef} ariaLabel="Copy token" />
        </div>
        <p className="field-hint">
          Send it as <code>Authorization: Bearer &lt;token&gt;</code>.
        </p>
      </Dialog>
    );
  }

  return (
    <Dialog open={open} onClose={onClose} busy={busy} title="Create API token" description="Tokens let scripts and integrations call the Parley API.">
      <form className="form-stack" onSubmit={submit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <Field label="Name" error={fieldErrors.name} hint="Where the token is used, e.g. “CI deploy” or “Zapier”.">
          {(p) => <Input {...p} name="name" required autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Role" error={fieldErrors.role}>
          {(p) => (
            <Select {...p} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {TOKEN_ROLES.map((r) => (
                <option key={r.value} value={r.value}>
                  {r.label}
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
            Create token
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Bot } from '../../api/types';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';

interface NewBotDialogProps {
  open: boolean;
  onClose: () => void;
  onCreated: (bot: Bot) => void;
}

/** Names a new bot. Mounted on each opening, so it starts empty, never with a cancelled name. */
export function NewBotDialog(props: NewBotDialogProps) {
  return props.open ? <OpenNewBotDialog {...props} /> : null;
}

function OpenNewBotDialog({ open, onClose, onCreated }: NewBotDialogProps) {
  const api = useApi();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [nameError, setNameError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (!name.trim()) {
      setNameError('Name is required');
      return;
    }
    setNameError(undefined);
    setBusy(true);
    try {
      onCreated(await api.bots.create({ name: name.trim() }));
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setNameError(fields.name);
      const others = Object.entries(fields).filter(([k]) => k !== 'name');
      if (fields.name === undefined) setError(errorMessage(e));
      if (others.length > 0) setError(`${errorMessage(e)} (${others.map(([k, v]) => `${k}: ${v}`).join('; ')})`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      busy={busy}
      title="New bot"
      description="Give the bot a name. You can set its appearance, behaviour and allowed origins next."
    >
      <form className="form-stack" onSubmit={submit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <Field label="Name" error={nameError}>
          {(p) => (
            <Input
              {...p}
              name="name"
              required
              autoComplete="off"
              placeholder="e.g. Support Bot"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <div className="modal-actions">
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy}>
            Create bot
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

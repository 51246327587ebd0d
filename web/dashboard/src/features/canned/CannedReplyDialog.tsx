import { useEffect, useRef, useState, type FormEvent } from 'react';
import { PLACEHOLDERS, fillPlaceholders } from '../../lib/placeholders';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';
import { BODY_MAX, SHORTCUT_MAX, cannedInput, insertAt, savingErrors, validateCanned, type CannedErrors } from './canned';
import type { CannedReply, CannedReplyInput } from './contract';

/** The visitor the preview pretends to answer. */
const SAMPLE_VISITOR = { visitorName: 'Jo Miller', visitorEmail: 'jo@example.com' };

/** Creates a canned reply (reply = null) or edits one. `onSave` throws to show why it failed. */
export function CannedReplyDialog({
  open,
  reply,
  agentName,
  onClose,
  onSave,
}: {
  open: boolean;
  reply: CannedReply | null;
  agentName: string;
  onClose: () => void;
  onSave: (input: CannedReplyInput) => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <Dialog open={open} onClose={onClose} busy={busy} size="md" title={reply ? `Edit /${reply.shortcut}` : 'New canned reply'}>
      {/* Mounted on each opening, so it starts from the reply being edited (or empty) in its
          first frame: never what a cancelled dialog left behind, even for a moment. */}
      {open && (
        <CannedReplyForm
          key={reply?.id ?? 'new'}
          reply={reply}
          agentName={agentName}
          busy={busy}
          setBusy={setBusy}
          onClose={onClose}
          onSave={onSave}
        />
      )}
    </Dialog>
  );
}

function CannedReplyForm({
  reply,
  agentName,
  busy,
  setBusy,
  onClose,
  onSave,
}: {
  reply: CannedReply | null;
  agentName: string;
  busy: boolean;
  setBusy: (busy: boolean) => void;
  onClose: () => void;
  onSave: (input: CannedReplyInput) => Promise<void>;
}) {
  const [values, setValues] = useState<CannedReplyInput>(() => (reply ? { shortcut: reply.shortcut, body: reply.body } : { shortcut: '', body: '' }));
  const [errors, setErrors] = useState<CannedErrors>({});
  const [error, setError] = useState<string | null>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const shortcutRef = useRef<HTMLInputElement>(null);
  const cursor = useRef<number | null>(null);
  const [focusInvalid, setFocusInvalid] = useState(0);

  // After a placeholder goes in, the cursor goes after it.
  useEffect(() => {
    const el = bodyRef.current;
    if (cursor.current === null || !el) return;
    el.focus();
    el.setSelectionRange(cursor.current, cursor.current);
    cursor.current = null;
  }, [values.body]);

  useEffect(() => {
    if (focusInvalid === 0) return;
    if (errors.shortcut) shortcutRef.current?.focus();
    else if (errors.body) bodyRef.current?.focus();
  }, [focusInvalid, errors]);

  const set = (key: keyof CannedReplyInput, value: string) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const insert = (token: string) => {
    const el = bodyRef.current;
    const next = insertAt(values.body, el?.selectionStart ?? values.body.length, el?.selectionEnd ?? values.body.length, token);
    cursor.current = next.cursor;
    set('body', next.text);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems = validateCanned(values);
    setErrors(problems);
    setError(null);
    if (Object.keys(problems).length > 0) {
      setFocusInvalid((n) => n + 1);
      return;
    }
    setBusy(true);
    try {
      await onSave(cannedInput(values));
    } catch (e) {
      const shown = savingErrors(e, values);
      setErrors(shown.errors);
      setError(shown.message);
      setFocusInvalid((n) => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const length = [...values.body.trim()].length;
  const preview = fillPlaceholders(values.body.trim(), { ...SAMPLE_VISITOR, agentName });

  return (
    <form className="form-stack" onSubmit={submit} noValidate>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <Field
        label="Shortcut"
        error={errors.shortcut}
        hint={`In the inbox’s reply box, type / and the shortcut to insert this reply. Letters, digits, - and _, up to ${SHORTCUT_MAX}.`}
      >
        {(p) => (
          <div className="shortcut-input">
            <span className="shortcut-slash" aria-hidden="true">
              /
            </span>
            <Input
              {...p}
              ref={shortcutRef}
              name="shortcut"
              className="mono"
              autoComplete="off"
              spellCheck={false}
              placeholder="shipping"
              value={values.shortcut}
              onChange={(e) => set('shortcut', e.target.value)}
            />
          </div>
        )}
      </Field>
      <Field
        label="Reply"
        error={errors.body}
        aside={
          <span className={length > BODY_MAX ? 'field-error' : undefined}>
            {length.toLocaleString('en-US')} / {BODY_MAX.toLocaleString('en-US')}
          </span>
        }
      >
        {(p) => <Textarea {...p} ref={bodyRef} name="body" rows={6} value={values.body} onChange={(e) => set('body', e.target.value)} />}
      </Field>
      <div className="placeholder-buttons" role="group" aria-label="Insert a placeholder">
        <span className="placeholder-buttons-label" aria-hidden="true">
          Insert
        </span>
        {PLACEHOLDERS.map((ph) => (
          <Button key={ph.token} size="sm" variant="ghost" className="mono" onClick={() => insert(ph.token)} title={`Insert ${ph.token}: ${ph.meaning}`}>
            {ph.token}
          </Button>
        ))}
      </div>
      {values.body.trim() !== '' && (
        <div className="canned-preview" role="region" aria-label="Preview">
          <p className="canned-preview-label">
            Preview, for a visitor named {SAMPLE_VISITOR.visitorName} ({SAMPLE_VISITOR.visitorEmail}), sent by {agentName || 'you'}:
          </p>
          <p className="canned-preview-text">{preview}</p>
        </div>
      )}
      <div className="modal-actions">
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" loading={busy}>
          {reply ? 'Save reply' : 'Add reply'}
        </Button>
      </div>
    </form>
  );
}

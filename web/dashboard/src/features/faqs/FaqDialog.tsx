import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/errors';
import type { Faq } from '../../api/types';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';
import { validateFaq, type FaqFormValues } from './faqs';

interface FaqDialogProps {
  open: boolean;
  faq: Faq | null;
  onClose: () => void;
  onSave: (values: FaqFormValues) => Promise<void>;
}

/**
 * Creates an FAQ (faq = null) or edits one. `onSave` throws to show an error. Mounted on
 * each opening, so its first frame shows the FAQ (or an empty form), never what the last
 * dialog left.
 */
export function FaqDialog(props: FaqDialogProps) {
  return props.open ? <OpenFaqDialog key={props.faq?.id ?? 'new'} {...props} /> : null;
}

function OpenFaqDialog({ open, faq, onClose, onSave }: FaqDialogProps) {
  const [values, setValues] = useState<FaqFormValues>(() =>
    faq ? { question: faq.question, answer: faq.answer, enabled: faq.enabled } : { question: '', answer: '', enabled: true },
  );
  const [errors, setErrors] = useState<Partial<Record<string, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const problems = validateFaq(values);
    setErrors(problems);
    setError(null);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    try {
      await onSave({ question: values.question.trim(), answer: values.answer.trim(), enabled: values.enabled });
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setErrors(fields);
      if (!fields.question && !fields.answer) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onClose={onClose} busy={busy} size="md" title={faq ? 'Edit FAQ' : 'New FAQ'}>
      <form className="form-stack" onSubmit={submit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <Field label="Question" error={errors.question}>
          {(p) => (
            <Input {...p} name="question" autoComplete="off" value={values.question} onChange={(e) => setValues((v) => ({ ...v, question: e.target.value }))} />
          )}
        </Field>
        <Field label="Answer" error={errors.answer} hint="Sent as is when a visitor asks this question.">
          {(p) => (
            <Textarea {...p} name="answer" rows={5} value={values.answer} onChange={(e) => setValues((v) => ({ ...v, answer: e.target.value }))} />
          )}
        </Field>
        <label className="switch-row">
          <input
            type="checkbox"
            role="switch"
            className="switch"
            checked={values.enabled}
            onChange={(e) => setValues((v) => ({ ...v, enabled: e.target.checked }))}
          />
          <span>Enabled</span>
        </label>
        <div className="modal-actions">
          <Button onClick={onClose} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" loading={busy}>
            {faq ? 'Save FAQ' : 'Add FAQ'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

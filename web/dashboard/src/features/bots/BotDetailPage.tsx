import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Bot, RotatableKey } from '../../api/types';
import { navigate } from '../../lib/router';
import { canManage, useMe } from '../../lib/session';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { ConfirmDialog } from '../../ui/Modal';
import { useToast } from '../../ui/Toast';
import {
  MEMORY_TURNS_MAX,
  MEMORY_TURNS_MIN,
  botToForm,
  formToUpdate,
  formsEqual,
  mapServerFields,
  validateBotForm,
  type BotFormErrors,
  type BotFormValues,
} from './botForm';
import { EmbedSnippet } from './EmbedSnippet';
import { HandoffCard } from './HandoffCard';
import { KeysCard, rotatedMessage } from './KeysCard';
import { ModelCard } from './ModelCard';
import { TryPanel } from './TryPanel';
import { VisionCard } from './VisionCard';
import { WidgetPreview } from './WidgetPreview';

/** The form's fields held as text (the handoff card edits the rest). */
type TextField = { [K in keyof BotFormValues]: BotFormValues[K] extends string ? K : never }[keyof BotFormValues];

/**
 * /bots/:id: the bot's settings, inside the app's bot sub-page frame (header
 * and tabs), which loaded the bot and shows what `onBotChange` gives it.
 */
export function BotDetailPage({ bot, onBotChange }: { bot: Bot; onBotChange: (bot: Bot) => void }) {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const readOnly = !manage;

  const [saved, setSaved] = useState<BotFormValues>(() => botToForm(bot));
  const [values, setValues] = useState<BotFormValues>(saved);
  const [errors, setErrors] = useState<BotFormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const dirty = !formsEqual(values, saved);
  const formRef = useRef<HTMLFormElement>(null);
  // Bumped whenever validation fails, to move focus to the first bad field.
  const [invalidTick, setInvalidTick] = useState(0);

  useEffect(() => {
    if (invalidTick === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [invalidTick]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const set = <K extends keyof BotFormValues>(key: K, value: BotFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[key]) setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (readOnly) return;
    const problems = validateBotForm(values);
    setErrors(problems);
    setFormError(null);
    if (Object.keys(problems).length > 0) {
      setFormError('Some fields need attention.');
      setInvalidTick((t) => t + 1);
      return;
    }
    setSaving(true);
    try {
      const updated = await api.bots.update(bot.id, formToUpdate(values, bot));
      onBotChange(updated);
      const next = botToForm(updated);
      setSaved(next);
      setValues(next);
      toast('Changes saved');
    } catch (e) {
      if (e instanceof ApiError) {
        const mapped = mapServerFields(e.fields);
        setErrors(mapped.errors);
        // Field problems are shown at their fields; the banner only repeats the
        // server's message when something could not be placed on a field.
        const placed = Object.keys(mapped.errors).length > 0;
        setFormError(placed && mapped.other.length === 0 ? 'Some fields need attention.' : [e.message, ...mapped.other].join(' '));
        setInvalidTick((t) => t + 1);
      } else {
        setFormError(errorMessage(e));
      }
    } finally {
      setSaving(false);
    }
  };

  const rotate = async (key: RotatableKey) => {
    onBotChange(await api.bots.rotate(bot.id, key));
    toast(rotatedMessage(key));
  };

  const remove = async () => {
    await api.bots.remove(bot.id);
    toast(`Bot "${bot.name}" deleted`);
    navigate('/bots', { replace: true });
  };

  const text = (key: TextField) => ({
    value: values[key],
    readOnly,
    onChange: (e: { target: { value: string } }) => set(key, e.target.value as never),
  });

  return (
    <>
      {readOnly && (
        <div className="alert alert-info" role="note">
          You have read-only access to bots. Ask an admin to make changes.
        </div>
      )}
      <div className="detail-grid">
        <div className="detail-main">
          <form ref={formRef} className="detail-form" onSubmit={save} noValidate aria-label="Bot settings">
            {formError && (
              <div className="alert alert-error" role="alert">
                {formError}
              </div>
            )}
            <Card title="General" headingId="general-heading">
              <div className="form-stack">
                <Field label="Name" error={errors.name}>
                  {(p) => <Input {...p} name="name" required autoComplete="off" {...text('name')} />}
                </Field>
                <Field
                  label="Allowed origins"
                  error={errors.originsText}
                  hint={
                    <>
                      One origin per line, e.g. <code>https://www.example.com</code>. Leave empty to allow the widget on
                      any origin.
                    </>
                  }
                >
                  {(p) => (
                    <Textarea
                      {...p}
                      name="allowed_origins"
                      rows={3}
                      spellCheck={false}
                      placeholder="https://www.example.com"
                      className="mono"
                      {...text('originsText')}
                    />
                  )}
                </Field>
              </div>
            </Card>

            <Card title="Appearance" headingId="appearance-heading" description="How the chat widget looks on your site.">
              <div className="appearance-layout">
                <div className="form-stack">
                  <Field label="Title" error={errors.title}>
                    {(p) => <Input {...p} name="title" {...text('title')} />}
                  </Field>
                  <Field label="Greeting" error={errors.greeting} hint="The first message visitors see.">
                    {(p) => <Textarea {...p} name="greeting" rows={2} {...text('greeting')} />}
                  </Field>
                  <div className="form-row">
                    <Field label="Primary colour" error={errors.primaryColor}>
                      {(p) => (
                        <div className="color-field">
                          <input
                            type="color"
                            className="color-swatch"
                            aria-label="Pick primary colour"
                            value={/^#[0-9a-fA-F]{6}$/.test(values.primaryColor) ? values.primaryColor.toLowerCase() : '#000000'}
                            disabled={readOnly}
                            onChange={(e) => set('primaryColor', e.target.value)}
                          />
                          <Input {...p} name="primary_color" className="mono" maxLength={7} spellCheck={false} {...text('primaryColor')} />
                        </div>
                      )}
                    </Field>
                    <fieldset className="field segmented-field" disabled={readOnly}>
                      <legend className="field-label">Position</legend>
                      <div className="segmented">
                        {(['left', 'right'] as const).map((side) => (
                          <label key={side} className={values.position === side ? 'segment segment-on' : 'segment'}>
                            <input
                              type="radio"
                              name="position"
                              value={side}
                              checked={values.position === side}
                              onChange={() => set('position', side)}
                            />
                            {side === 'left' ? 'Left' : 'Right'}
                          </label>
                        ))}
                      </div>
                      {errors.position && <p className="field-error">{errors.position}</p>}
                    </fieldset>
                  </div>
                  <Field label="Avatar URL" aside="Optional" error={errors.avatarUrl} hint="Square image, at least 64×64.">
                    {(p) => (
                      <Input {...p} name="avatar_url" type="url" placeholder="https://…/avatar.png" spellCheck={false} {...text('avatarUrl')} />
                    )}
                  </Field>
                </div>
                <WidgetPreview values={values} />
              </div>
            </Card>

            <Card title="Behaviour" headingId="behaviour-heading" description="How the bot answers.">
              <div className="form-stack">
                <Field
                  label="System prompt"
                  error={errors.systemPrompt}
                  hint="Instructions given to the model before every conversation."
                >
                  {(p) => <Textarea {...p} name="system_prompt" rows={6} {...text('systemPrompt')} />}
                </Field>
                <Field
                  label="Memory turns"
                  error={errors.memoryTurns}
                  hint={`How many recent turns the bot keeps in full (${MEMORY_TURNS_MIN}–${MEMORY_TURNS_MAX}); older turns are summarised.`}
                >
                  {(p) => (
                    <Input
                      {...p}
                      name="memory_turns"
                      type="number"
                      inputMode="numeric"
                      min={MEMORY_TURNS_MIN}
                      max={MEMORY_TURNS_MAX}
                      step={1}
                      className="input-narrow"
                      {...text('memoryTurns')}
                    />
                  )}
                </Field>
                <Field
                  label="Fallback message"
                  error={errors.fallbackMessage}
                  hint="Sent when the bot cannot find an answer in its knowledge."
                >
                  {(p) => <Textarea {...p} name="fallback_message" rows={2} {...text('fallbackMessage')} />}
                </Field>
              </div>
            </Card>

            <HandoffCard values={values} errors={errors} set={set} readOnly={readOnly} saved={bot} />

            {manage && (
              <div className={dirty ? 'save-bar save-bar-dirty' : 'save-bar'}>
                <span className="save-bar-status" aria-live="polite">
                  {dirty ? 'You have unsaved changes' : 'All changes saved'}
                </span>
                <Button
                  onClick={() => {
                    setValues(saved);
                    setErrors({});
                    setFormError(null);
                  }}
                  disabled={!dirty || saving}
                >
                  Discard
                </Button>
                <Button type="submit" variant="primary" loading={saving} disabled={!dirty}>
                  Save changes
                </Button>
              </div>
            )}
          </form>
          <ModelCard bot={bot} manage={manage} onBotChange={onBotChange} />
          <VisionCard botId={bot.id} manage={manage} vision={bot.model?.vision ?? false} />
          <TryPanel botId={bot.id} />
        </div>

        <aside className="detail-side" aria-label="Install and keys">
          <EmbedSnippet snippet={bot.embed_snippet} />
          <KeysCard bot={bot} manage={manage} onRotate={rotate} />
          {manage && (
            <Card title="Delete bot" headingId="danger-heading" tone="danger">
              <p className="card-text">
                Deletes the bot with its knowledge and conversations. Sites embedding it stop showing the chat.
              </p>
              <Button variant="danger" size="sm" onClick={() => setDeleting(true)}>
                Delete bot
              </Button>
            </Card>
          )}
        </aside>
      </div>

      <ConfirmDialog
        open={deleting}
        title={`Delete "${bot.name}"?`}
        confirmLabel="Delete bot"
        onCancel={() => setDeleting(false)}
        onConfirm={remove}
      >
        <p>
          The bot, its knowledge and its conversations are deleted, and its embed snippet stops working. This cannot be
          undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

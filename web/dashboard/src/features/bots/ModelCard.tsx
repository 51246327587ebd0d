import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Bot } from '../../api/types';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { ConfirmDialog } from '../../ui/Modal';
import { useToast } from '../../ui/Toast';
import { modelOf, type ModelTestResult, type Provider } from './contract';
import {
  CONTEXT_MAX,
  CONTEXT_MIN,
  MAX_TOKENS_MAX,
  PRESETS,
  PROVIDERS,
  TEMPERATURE_MAX,
  applyPreset,
  formToModelUpdate,
  keyState,
  mapModelServerFields,
  modelFormsEqual,
  modelToForm,
  validateModelForm,
  type ModelFormErrors,
  type ModelFormValues,
} from './modelForm';
import './model.css';

const LOCAL_HOSTS_HINT =
  'Parley reaches a server on this machine or your network only when the operator allowed its host:port with PARLEY_WEBHOOK_ALLOW_HOSTS.';

/** Where the base URL points, for the summary line: "api.openai.com". */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * The bot's language model: a provider preset, the write-only API key, the sampling
 * settings; Save, Test (one real call) and going back to extractive answers. A form of
 * its own (PUT …/model), apart from the bot's settings form (PATCH …).
 */
export function ModelCard({ bot, manage, onBotChange }: { bot: Bot; manage: boolean; onBotChange: (bot: Bot) => void }) {
  const api = useApi();
  const toast = useToast();
  const saved = modelOf(bot);
  const [values, setValues] = useState<ModelFormValues>(() => modelToForm(saved));
  const [errors, setErrors] = useState<ModelFormErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);
  const [test, setTest] = useState<{ result: ModelTestResult } | { failed: string } | null>(null);
  const [clearing, setClearing] = useState(false);
  const [invalidTick, setInvalidTick] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const keyInputRef = useRef<HTMLInputElement>(null);
  const [focusKey, setFocusKey] = useState(false);

  const dirty = !modelFormsEqual(values, modelToForm(saved));
  const key = keyState(values, saved);
  const preset = PRESETS[values.provider];
  const path = `/api/v1/bots/${encodeURIComponent(bot.id)}/model`;

  useEffect(() => {
    if (invalidTick === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [invalidTick]);

  useEffect(() => {
    if (!focusKey) return;
    keyInputRef.current?.focus();
    setFocusKey(false);
  }, [focusKey]);

  useEffect(() => {
    if (!dirty || !manage) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty, manage]);

  const update = (next: ModelFormValues, touched: Array<keyof ModelFormErrors>) => {
    setValues(next);
    setTest(null);
    if (touched.some((k) => errors[k])) setErrors((e) => ({ ...e, ...Object.fromEntries(touched.map((k) => [k, undefined])) }));
  };
  const set = <K extends keyof ModelFormValues>(k: K, value: ModelFormValues[K]) => {
    // The key's rules depend on the provider and URL: its error is recomputed with them.
    update({ ...values, [k]: value }, k === 'baseUrl' || k === 'provider' ? [k as keyof ModelFormErrors, 'apiKey'] : k === 'replaceKey' ? ['apiKey'] : [k as keyof ModelFormErrors]);
  };

  /** Checks the form; on problems shows them and returns false. */
  const check = (): boolean => {
    const problems = validateModelForm(values, saved);
    setErrors(problems);
    setFormError(null);
    if (Object.keys(problems).length === 0) return true;
    setFormError('Some fields need attention.');
    setInvalidTick((t) => t + 1);
    return false;
  };

  const showServerError = (e: unknown) => {
    if (e instanceof ApiError && Object.keys(e.fields).length > 0) {
      const mapped = mapModelServerFields(e.fields);
      setErrors(mapped.errors);
      const placed = Object.keys(mapped.errors).length > 0;
      setFormError(placed && mapped.other.length === 0 ? 'Some fields need attention.' : [e.message, ...mapped.other].join(' '));
      setInvalidTick((t) => t + 1);
    } else {
      setFormError(errorMessage(e));
    }
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!manage || busy || !check()) return;
    setBusy('save');
    try {
      const updated = await api.send<Bot>('PUT', path, { body: formToModelUpdate(values, saved) });
      onBotChange(updated);
      setValues(modelToForm(modelOf(updated)));
      toast('Model saved');
    } catch (e) {
      showServerError(e);
    } finally {
      setBusy(null);
    }
  };

  const runTest = async () => {
    if (!manage || busy || !check()) return;
    setBusy('test');
    setTest(null);
    try {
      const result = await api.send<ModelTestResult>('POST', `${path}/test`, { body: formToModelUpdate(values, saved) });
      setTest({ result });
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fields).length > 0) showServerError(e);
      else setTest({ failed: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };

  const clearModel = async () => {
    const updated = await api.send<Bot>('DELETE', path);
    onBotChange(updated);
    setValues(modelToForm(null));
    setErrors({});
    setFormError(null);
    setTest(null);
    setClearing(false);
    toast('The bot now answers by quoting your documents');
  };

  const num = (k: 'temperature' | 'maxTokens' | 'contextTokens') => ({
    value: values[k],
    onChange: (e: { target: { value: string } }) => set(k, e.target.value),
  });

  return (
    <Card
      title="Model"
      headingId="model-heading"
      description="The language model that writes the bot’s answers from the passages it finds."
      className="model-card"
    >
      <div className={saved ? 'model-status' : 'model-status model-status-none'} aria-label="Answers" role="note">
        {saved ? (
          <>
            <Badge tone="info">Model</Badge>
            <p>
              Answers are written by <strong>{saved.model}</strong> at <span className="mono">{hostOf(saved.base_url)}</span>, from the
              passages found in your documents.
            </p>
          </>
        ) : (
          <>
            <Badge tone="neutral">No model</Badge>
            <p>
              The bot answers by quoting your documents: it picks the sentences that best match the question, with links to where
              they come from, or says the fallback message. Nothing leaves Parley. Set up a model below to have answers written in
              the bot’s own words.
            </p>
          </>
        )}
      </div>

      <form ref={formRef} className="form-stack" onSubmit={save} noValidate aria-label="Model settings">
        {formError && (
          <div className="alert alert-error" role="alert">
            {formError}
          </div>
        )}
        <fieldset className="model-fields" disabled={!manage}>
          <Field
            label="Provider"
            error={errors.provider}
            hint={
              values.provider === 'azure_openai'
                ? 'Type your resource’s URL below. The key is sent as the api-key header.'
                : preset.key === 'required'
                  ? 'Picking a provider fills in its usual settings.'
                  : `Picking a provider fills in its usual settings. ${LOCAL_HOSTS_HINT}`
            }
          >
            {(p) => (
              <Select
                {...p}
                name="provider"
                className="input-provider"
                value={values.provider}
                onChange={(e) => update(applyPreset(values, e.target.value as Provider), ['provider', 'baseUrl', 'model', 'embeddingModel', 'contextTokens', 'apiKey'])}
              >
                {PROVIDERS.map((provider) => (
                  <option key={provider} value={provider}>
                    {PRESETS[provider].label}
                  </option>
                ))}
              </Select>
            )}
          </Field>

          <Field label="Base URL" error={errors.baseUrl} hint="Up to and including /v1, e.g. https://api.openai.com/v1.">
            {(p) => (
              <Input
                {...p}
                name="base_url"
                type="url"
                className="mono"
                spellCheck={false}
                autoComplete="off"
                placeholder="https://llm.example.com/v1"
                value={values.baseUrl}
                onChange={(e) => set('baseUrl', e.target.value)}
              />
            )}
          </Field>

          <Field label="Model name" error={errors.model} hint={preset.modelHint ?? 'The model’s name at the provider, e.g. gpt-4o-mini or llama3.1.'}>
            {(p) => (
              <Input
                {...p}
                name="model"
                className="mono"
                spellCheck={false}
                autoComplete="off"
                value={values.model}
                onChange={(e) => set('model', e.target.value)}
              />
            )}
          </Field>

          {key.input ? (
            <Field
              label="API key"
              aside={preset.key === 'required' ? undefined : 'Optional'}
              error={errors.apiKey}
              hint={
                <>
                  {key.notice && <span className="key-notice">{key.notice} </span>}
                  {preset.key === 'none'
                    ? 'Ollama needs no key; leave this empty unless a proxy in front of it asks for one.'
                    : 'Stored encrypted and never shown again.'}
                </>
              }
            >
              {(p) => (
                <div className="key-input-row">
                  <Input
                    {...p}
                    ref={keyInputRef}
                    name="api_key"
                    type="password"
                    className="mono"
                    autoComplete="new-password"
                    spellCheck={false}
                    placeholder={key.stored === 'usable' ? 'The new key' : 'sk-…'}
                    value={values.apiKey}
                    onChange={(e) => set('apiKey', e.target.value)}
                  />
                  {key.stored === 'usable' && (
                    <Button size="sm" variant="ghost" onClick={() => update({ ...values, apiKey: '', replaceKey: false }, ['apiKey'])}>
                      Keep current key
                    </Button>
                  )}
                </div>
              )}
            </Field>
          ) : (
            <div className="field" role="group" aria-labelledby="model-key-label">
              <div className="field-label-row">
                <span className="field-label" id="model-key-label">
                  API key
                </span>
              </div>
              <div className="key-set">
                <Badge tone="success">A key is set</Badge>
                {manage && (
                  <Button
                    size="sm"
                    onClick={() => {
                      set('replaceKey', true);
                      setFocusKey(true);
                    }}
                  >
                    Replace key
                  </Button>
                )}
              </div>
              <p className="field-hint">Stored encrypted and never shown. It is sent only to this base URL.</p>
            </div>
          )}

          <div className="model-numbers">
            <Field label="Temperature" error={errors.temperature} hint={`0 to ${TEMPERATURE_MAX}; lower is more literal.`}>
              {(p) => <Input {...p} name="temperature" type="number" inputMode="decimal" min={0} max={TEMPERATURE_MAX} step={0.1} {...num('temperature')} />}
            </Field>
            <Field label="Max tokens" error={errors.maxTokens} hint={`Longest answer, 1 to ${MAX_TOKENS_MAX.toLocaleString('en-US')}.`}>
              {(p) => <Input {...p} name="max_tokens" type="number" inputMode="numeric" min={1} max={MAX_TOKENS_MAX} step={1} {...num('maxTokens')} />}
            </Field>
            <Field
              label="Context window"
              error={errors.contextTokens}
              hint={`The model’s limit in tokens (${CONTEXT_MIN.toLocaleString('en-US')} to ${CONTEXT_MAX.toLocaleString('en-US')}); the prompt gets what the answer leaves.`}
            >
              {(p) => (
                <Input {...p} name="context_tokens" type="number" inputMode="numeric" min={CONTEXT_MIN} max={CONTEXT_MAX} step={1} {...num('contextTokens')} />
              )}
            </Field>
          </div>

          <Field
            label="Embedding model"
            aside="Optional"
            error={errors.embeddingModel}
            hint="The same provider’s embedding model. When set, passages are also found by meaning, not only by their words."
          >
            {(p) => (
              <Input
                {...p}
                name="embedding_model"
                className="mono"
                spellCheck={false}
                autoComplete="off"
                placeholder="text-embedding-3-small"
                value={values.embeddingModel}
                onChange={(e) => set('embeddingModel', e.target.value)}
              />
            )}
          </Field>

          <div className="field">
            <label className="checkbox-row">
              <input type="checkbox" name="vision" checked={values.vision} onChange={(e) => set('vision', e.target.checked)} aria-describedby="model-vision-hint" />
              <span>Sees images</span>
            </label>
            <p className="field-hint" id="model-vision-hint">
              Send the images visitors attach to the model. Tick only for a model that reads images (e.g. gpt-4o-mini, llava).
            </p>
            {errors.vision && <p className="field-error">{errors.vision}</p>}
          </div>
        </fieldset>

        {test && (
          <div className="model-test" role="region" aria-label="Test result" aria-live="polite">
            {'failed' in test ? (
              <div className="alert alert-error">The test could not run: {test.failed}</div>
            ) : test.result.ok ? (
              <div className="alert alert-success">
                <p>
                  <strong>The model answered</strong> in {test.result.latency_ms.toLocaleString('en-US')} ms:
                </p>
                <blockquote className="model-test-reply">{test.result.reply ?? ''}</blockquote>
              </div>
            ) : (
              <div className="alert alert-error">
                <p>
                  <strong>The provider did not answer</strong> (after {test.result.latency_ms.toLocaleString('en-US')} ms):
                </p>
                <p>{test.result.error ?? 'No reason was given.'}</p>
              </div>
            )}
          </div>
        )}

        {manage && (
          <div className="model-actions">
            <Button onClick={() => void runTest()} loading={busy === 'test'} disabled={busy === 'save'}>
              Test
            </Button>
            <span className="model-actions-hint">Sends “Say hello in five words.” with the settings above{dirty ? ', unsaved' : ''}.</span>
            <Button type="submit" variant="primary" loading={busy === 'save'} disabled={busy === 'test' || (!dirty && saved !== null)}>
              {saved ? 'Save model' : 'Use this model'}
            </Button>
          </div>
        )}
      </form>

      {manage && saved && (
        <div className="model-clear">
          <Button variant="ghost" size="sm" onClick={() => setClearing(true)}>
            Use extractive answers (no model)
          </Button>
        </div>
      )}

      <ConfirmDialog
        open={clearing}
        title="Answer without a model?"
        confirmLabel="Use extractive answers"
        tone="primary"
        onCancel={() => setClearing(false)}
        onConfirm={clearModel}
      >
        <p>
          The bot will answer by quoting your documents. The model settings and the API key are removed; you can set a model up
          again at any time.
        </p>
      </ConfirmDialog>
    </Card>
  );
}

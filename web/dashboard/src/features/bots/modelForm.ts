// The model card's form: provider presets, the write-only API key's rules, checks made
// before asking the server, and the body sent. Pure, so it is tested without rendering.
import type { ModelUpdate, ModelView, Provider } from './contract';

/** Whether a provider's API needs a key: always, never, or depending on how it is run. */
export type KeyNeed = 'required' | 'none' | 'optional';

export interface Preset {
  label: string;
  baseUrl: string;
  model?: string;
  embeddingModel?: string;
  contextTokens?: number;
  key: KeyNeed;
  /** What the model field holds for this provider, when it is not just "the model's name". */
  modelHint?: string;
}

export const PROVIDERS: readonly Provider[] = ['openai', 'azure_openai', 'ollama', 'vllm', 'lm_studio', 'custom'];

/** What picking a provider fills in (the contract's presets). Fields a preset leaves out are emptied or kept, see `applyPreset`. */
export const PRESETS: Record<Provider, Preset> = {
  openai: {
    label: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    model: 'gpt-4o-mini',
    embeddingModel: 'text-embedding-3-small',
    contextTokens: 128_000,
    key: 'required',
  },
  azure_openai: {
    label: 'Azure OpenAI',
    baseUrl: 'https://YOUR-RESOURCE.openai.azure.com/openai/v1',
    key: 'required',
    modelHint: 'The name of your deployment in Azure.',
  },
  ollama: {
    label: 'Ollama',
    baseUrl: 'http://localhost:11434/v1',
    model: 'llama3.1',
    embeddingModel: 'nomic-embed-text',
    contextTokens: 8192,
    key: 'none',
  },
  vllm: { label: 'vLLM', baseUrl: 'http://localhost:8000/v1', key: 'optional', modelHint: 'The model name vLLM serves (its --served-model-name).' },
  lm_studio: { label: 'LM Studio', baseUrl: 'http://localhost:1234/v1', key: 'optional', modelHint: 'The model identifier LM Studio shows for the loaded model.' },
  custom: { label: 'Custom OpenAI-compatible URL', baseUrl: '', key: 'optional' },
};

export const AZURE_PLACEHOLDER = 'YOUR-RESOURCE';

export const TEMPERATURE_MAX = 2;
export const MAX_TOKENS_MAX = 8192;
export const CONTEXT_MIN = 1024;
export const CONTEXT_MAX = 1_000_000;
const API_KEY_MAX = 500;
const NAME_MAX = 200;

/** What the model form holds: strings for the inputs, converted on save. */
export interface ModelFormValues {
  provider: Provider;
  baseUrl: string;
  model: string;
  /** A key typed now ("" when none). The stored key is never shown. */
  apiKey: string;
  /** The admin chose to type a new key although the stored one still applies. */
  replaceKey: boolean;
  temperature: string;
  maxTokens: string;
  contextTokens: string;
  embeddingModel: string;
  vision: boolean;
}

export type ModelFormField = Exclude<keyof ModelFormValues, 'replaceKey'>;
export type ModelFormErrors = Partial<Record<ModelFormField, string>>;

/** Fills what `provider`'s preset names. A field the preset leaves out is emptied (another provider's model or URL means nothing here), except the context window, which stays. Temperature, answer length and vision stay; a typed key is dropped. */
export function applyPreset(values: ModelFormValues, provider: Provider): ModelFormValues {
  const preset = PRESETS[provider];
  return {
    ...values,
    provider,
    baseUrl: preset.baseUrl,
    model: preset.model ?? '',
    embeddingModel: preset.embeddingModel ?? '',
    contextTokens: preset.contextTokens !== undefined ? String(preset.contextTokens) : values.contextTokens,
    apiKey: '',
    replaceKey: false,
  };
}

/** The form for a bot's model; for a bot without one, OpenAI's preset as a start. */
export function modelToForm(model: ModelView | null): ModelFormValues {
  if (!model) {
    return applyPreset(
      {
        provider: 'openai',
        baseUrl: '',
        model: '',
        apiKey: '',
        replaceKey: false,
        temperature: '0.3',
        maxTokens: '512',
        contextTokens: '8192',
        embeddingModel: '',
        vision: false,
      },
      'openai',
    );
  }
  return {
    provider: model.provider,
    baseUrl: model.base_url,
    model: model.model,
    apiKey: '',
    replaceKey: false,
    temperature: String(model.temperature),
    maxTokens: String(model.max_tokens),
    contextTokens: String(model.context_tokens),
    embeddingModel: model.embedding_model ?? '',
    vision: model.vision,
  };
}

const sameUrl = (a: string, b: string) => a.trim().replace(/\/+$/, '') === b.trim().replace(/\/+$/, '');

/** Whether the key would go somewhere new: another provider or base URL than the saved one. */
export function endpointChanged(values: ModelFormValues, saved: ModelView | null): boolean {
  return saved !== null && (saved.provider !== values.provider || !sameUrl(saved.base_url, values.baseUrl));
}

export interface KeyState {
  /** usable: a key is stored and goes with this endpoint; stale: one is stored, but for another endpoint; none. */
  stored: 'usable' | 'stale' | 'none';
  /** Whether the key input is shown (otherwise "A key is set" with a way to replace it). */
  input: boolean;
  /** Whether the form cannot be sent without a typed key. */
  required: boolean;
  /** Said next to the key when the stored one will not be sent any more; null otherwise. */
  notice: string | null;
}

/**
 * The API key's rules. The stored key is sent only to the provider and base URL it was
 * saved with, so changing either needs the key typed again (the server refuses it
 * otherwise); a provider that may run without one can then be left empty, which removes
 * the stored key.
 */
export function keyState(values: ModelFormValues, saved: ModelView | null): KeyState {
  const stored = saved?.has_api_key ? (endpointChanged(values, saved) ? 'stale' : 'usable') : 'none';
  const input = stored !== 'usable' || values.replaceKey;
  const typed = values.apiKey.trim() !== '';
  const need = PRESETS[values.provider].key;
  const required = input && !typed && (need === 'required' || (stored === 'usable' && values.replaceKey));
  const notice =
    stored === 'stale'
      ? `You changed the provider or base URL, so the saved key will not be sent there: enter the key again${
          need === 'required' ? '.' : ', or leave it empty if this server needs none (the saved key is then removed).'
        }`
      : null;
  return { stored, input, required, notice };
}

/** The `api_key` of the body: the typed key, omitted to keep the stored one, or "" to drop a key saved for another endpoint. */
export function keyForBody(values: ModelFormValues, saved: ModelView | null): string | undefined {
  const state = keyState(values, saved);
  const typed = values.apiKey.trim();
  if (state.input && typed !== '') return typed;
  if (state.stored === 'stale') return '';
  return undefined;
}

const isInt = (text: string) => /^\d+$/.test(text.trim());

/** Checks made before asking the server (which checks again). */
export function validateModelForm(values: ModelFormValues, saved: ModelView | null): ModelFormErrors {
  const errors: ModelFormErrors = {};
  const preset = PRESETS[values.provider];
  const url = values.baseUrl.trim();
  if (url === '') errors.baseUrl = 'Enter the base URL of the provider’s API, up to and including /v1';
  else if (!/^https?:\/\/[^\s/?#]+[^\s]*$/i.test(url)) errors.baseUrl = 'Use an http:// or https:// URL';
  else if (url.includes(AZURE_PLACEHOLDER)) errors.baseUrl = `Replace ${AZURE_PLACEHOLDER} with the name of your Azure OpenAI resource`;
  else if (/\/(chat\/completions|completions|embeddings)\/?$/i.test(url)) errors.baseUrl = 'Give the URL up to /v1, without the endpoint after it';
  else if (url.length > 500) errors.baseUrl = 'At most 500 characters';

  if (values.model.trim() === '') errors.model = values.provider === 'azure_openai' ? 'Enter your deployment’s name' : 'Enter the model’s name';
  else if (values.model.trim().length > NAME_MAX) errors.model = `At most ${NAME_MAX} characters`;

  const key = keyState(values, saved);
  if (key.required) {
    errors.apiKey =
      key.stored === 'usable'
        ? 'Type the new key, or keep the current one'
        : key.stored === 'stale'
          ? `Enter the API key for ${preset.label} again`
          : `${preset.label} needs an API key`;
  } else if (values.apiKey.trim().length > API_KEY_MAX) {
    errors.apiKey = `At most ${API_KEY_MAX} characters`;
  }

  const t = values.temperature.trim();
  const temperature = Number(t);
  if (t === '' || !Number.isFinite(temperature) || temperature < 0 || temperature > TEMPERATURE_MAX) {
    errors.temperature = `Enter a number from 0 to ${TEMPERATURE_MAX}`;
  }
  const maxTokens = Number(values.maxTokens.trim());
  const maxOk = isInt(values.maxTokens) && maxTokens >= 1 && maxTokens <= MAX_TOKENS_MAX;
  if (!maxOk) errors.maxTokens = `Enter a whole number from 1 to ${MAX_TOKENS_MAX.toLocaleString('en-US')}`;
  const context = Number(values.contextTokens.trim());
  if (!isInt(values.contextTokens) || context < CONTEXT_MIN || context > CONTEXT_MAX) {
    errors.contextTokens = `Enter a whole number from ${CONTEXT_MIN.toLocaleString('en-US')} to ${CONTEXT_MAX.toLocaleString('en-US')}`;
  } else if (maxOk && context <= maxTokens) {
    errors.contextTokens = 'Must be larger than the longest answer (max tokens)';
  }
  if (values.embeddingModel.trim().length > NAME_MAX) errors.embeddingModel = `At most ${NAME_MAX} characters`;
  return errors;
}

/** The body of PUT …/model and POST …/model/test. */
export function formToModelUpdate(values: ModelFormValues, saved: ModelView | null): ModelUpdate {
  const embedding = values.embeddingModel.trim();
  const key = keyForBody(values, saved);
  return {
    provider: values.provider,
    base_url: values.baseUrl.trim(),
    model: values.model.trim(),
    temperature: Number(values.temperature.trim()),
    max_tokens: Number(values.maxTokens.trim()),
    context_tokens: Number(values.contextTokens.trim()),
    embedding_model: embedding === '' ? null : embedding,
    vision: values.vision,
    ...(key === undefined ? {} : { api_key: key }),
  };
}

// Server field names ("model.base_url", "base_url", "api_key", …) -> form fields.
const SERVER_FIELDS: Record<string, ModelFormField> = {
  provider: 'provider',
  base_url: 'baseUrl',
  model: 'model',
  api_key: 'apiKey',
  temperature: 'temperature',
  max_tokens: 'maxTokens',
  context_tokens: 'contextTokens',
  embedding_model: 'embeddingModel',
  vision: 'vision',
};

/** Maps the `fields` of a 422 onto the form's fields; what fits none is returned in `other`, to be shown above the form. */
export function mapModelServerFields(fields: Record<string, string>): { errors: ModelFormErrors; other: string[] } {
  const errors: ModelFormErrors = {};
  const other: string[] = [];
  for (const [key, message] of Object.entries(fields)) {
    const parts = key.split(/[./[\]]+/).filter((p) => p !== '');
    // "model.model" is the model's name; a lone "model" too.
    const name = parts.length > 1 && parts[0] === 'model' ? parts.slice(1).join('.') : parts.join('.');
    const target = SERVER_FIELDS[name];
    if (target && errors[target] === undefined) errors[target] = message;
    else if (!target) other.push(`${key}: ${message}`);
  }
  return { errors, other };
}

/** Whether the form says what is saved (a typed key is a change). */
export function modelFormsEqual(a: ModelFormValues, b: ModelFormValues): boolean {
  return (Object.keys(a) as Array<keyof ModelFormValues>).every((k) => a[k] === b[k]);
}

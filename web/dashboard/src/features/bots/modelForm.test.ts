import { describe, expect, it } from 'vitest';
import type { ModelView } from './contract';
import {
  applyPreset,
  endpointChanged,
  formToModelUpdate,
  keyForBody,
  keyState,
  mapModelServerFields,
  modelFormsEqual,
  modelToForm,
  validateModelForm,
  type ModelFormValues,
} from './modelForm';

const SAVED: ModelView = {
  provider: 'openai',
  base_url: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  temperature: 0.2,
  max_tokens: 600,
  context_tokens: 128000,
  embedding_model: 'text-embedding-3-small',
  vision: true,
  has_api_key: true,
};

const form = (over: Partial<ModelFormValues> = {}, saved: ModelView | null = SAVED): ModelFormValues => ({ ...modelToForm(saved), ...over });

describe('presets', () => {
  it('fill base URL, model, embedding model and context window', () => {
    const ollama = applyPreset(form(), 'ollama');
    expect(ollama).toMatchObject({
      provider: 'ollama',
      baseUrl: 'http://localhost:11434/v1',
      model: 'llama3.1',
      embeddingModel: 'nomic-embed-text',
      contextTokens: '8192',
    });
    expect(applyPreset(ollama, 'openai')).toMatchObject({
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      embeddingModel: 'text-embedding-3-small',
      contextTokens: '128000',
    });
  });

  it('empty what they do not name, but keep the context window, temperature, answer length and vision', () => {
    const start = form({ temperature: '0.7', maxTokens: '900', contextTokens: '32000', vision: true });
    const vllm = applyPreset(start, 'vllm');
    expect(vllm).toMatchObject({ baseUrl: 'http://localhost:8000/v1', model: '', embeddingModel: '', contextTokens: '32000' });
    expect(vllm).toMatchObject({ temperature: '0.7', maxTokens: '900', vision: true });
    expect(applyPreset(start, 'lm_studio').baseUrl).toBe('http://localhost:1234/v1');
    expect(applyPreset(start, 'custom')).toMatchObject({ provider: 'custom', baseUrl: '', model: '' });
    expect(applyPreset(start, 'azure_openai').baseUrl).toBe('https://YOUR-RESOURCE.openai.azure.com/openai/v1');
  });

  it('drop a key typed for the previous provider', () => {
    expect(applyPreset(form({ apiKey: 'sk-typed', replaceKey: true }), 'ollama')).toMatchObject({ apiKey: '', replaceKey: false });
  });

  it('start a bot without a model on OpenAI', () => {
    expect(modelToForm(null)).toMatchObject({ provider: 'openai', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: '' });
    expect(validateModelForm(modelToForm(null), null)).toEqual({ apiKey: 'OpenAI needs an API key' });
  });

  it('a saved model reads back as it was saved', () => {
    expect(modelToForm(SAVED)).toEqual({
      provider: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      apiKey: '',
      replaceKey: false,
      temperature: '0.2',
      maxTokens: '600',
      contextTokens: '128000',
      embeddingModel: 'text-embedding-3-small',
      vision: true,
    });
    expect(modelFormsEqual(modelToForm(SAVED), form())).toBe(true);
    expect(modelFormsEqual(modelToForm(SAVED), form({ apiKey: 'x' }))).toBe(false);
  });
});

describe('the API key', () => {
  it('is kept (left out of the body) while provider and URL stay', () => {
    const values = form();
    expect(keyState(values, SAVED)).toEqual({ stored: 'usable', input: false, required: false, notice: null });
    expect(keyForBody(values, SAVED)).toBeUndefined();
    expect('api_key' in formToModelUpdate(values, SAVED)).toBe(false);
    // A trailing slash is the same URL.
    expect(endpointChanged(form({ baseUrl: 'https://api.openai.com/v1/' }), SAVED)).toBe(false);
  });

  it('is required again when the base URL changes, and says so', () => {
    const values = form({ baseUrl: 'https://proxy.example.com/v1' });
    const state = keyState(values, SAVED);
    expect(state).toMatchObject({ stored: 'stale', input: true, required: true });
    expect(state.notice).toMatch(/enter the key again\.$/);
    expect(validateModelForm(values, SAVED).apiKey).toBe('Enter the API key for OpenAI again');
    const typed = { ...values, apiKey: '  sk-new  ' };
    expect(validateModelForm(typed, SAVED).apiKey).toBeUndefined();
    expect(formToModelUpdate(typed, SAVED).api_key).toBe('sk-new');
  });

  it('is required again when the provider changes, even on the same URL', () => {
    const values = form({ provider: 'azure_openai' });
    expect(endpointChanged(values, SAVED)).toBe(true);
    expect(keyState(values, SAVED).required).toBe(true);
  });

  it('may be left empty for a server that can run without one, which removes the saved key', () => {
    const values = applyPreset(form(), 'ollama');
    const state = keyState(values, SAVED);
    expect(state).toMatchObject({ stored: 'stale', input: true, required: false });
    expect(state.notice).toMatch(/leave it empty if this server needs none/);
    expect(validateModelForm(values, SAVED).apiKey).toBeUndefined();
    expect(formToModelUpdate(values, SAVED).api_key).toBe('');
  });

  it('replacing a usable key needs the new key typed', () => {
    const replacing = form({ replaceKey: true });
    expect(keyState(replacing, SAVED)).toMatchObject({ input: true, required: true });
    expect(validateModelForm(replacing, SAVED).apiKey).toBe('Type the new key, or keep the current one');
    expect(formToModelUpdate({ ...replacing, apiKey: 'sk-2' }, SAVED).api_key).toBe('sk-2');
  });

  it('without a stored key: required for OpenAI and Azure, optional elsewhere, and never sent empty', () => {
    const none = { ...SAVED, has_api_key: false };
    expect(keyState(form({}, none), none)).toMatchObject({ stored: 'none', input: true, required: true, notice: null });
    const custom = form({ provider: 'custom', baseUrl: 'https://llm.example.com/v1' }, none);
    expect(keyState(custom, none).required).toBe(false);
    expect('api_key' in formToModelUpdate(custom, none)).toBe(false);
  });
});

describe('validation', () => {
  it('accepts a saved model as it is', () => {
    expect(validateModelForm(form(), SAVED)).toEqual({});
  });

  it('explains base URLs it cannot use', () => {
    const url = (baseUrl: string) => validateModelForm(form({ baseUrl, apiKey: 'k' }), SAVED).baseUrl;
    expect(url('')).toMatch(/up to and including \/v1/);
    expect(url('api.openai.com/v1')).toBe('Use an http:// or https:// URL');
    expect(url('https://YOUR-RESOURCE.openai.azure.com/openai/v1')).toMatch(/Replace YOUR-RESOURCE/);
    expect(url('https://api.openai.com/v1/chat/completions')).toMatch(/without the endpoint/);
    expect(url('http://localhost:11434/v1')).toBeUndefined();
  });

  it('checks the numbers against the server’s ranges', () => {
    const errs = (over: Partial<ModelFormValues>) => validateModelForm(form(over), SAVED);
    expect(errs({ temperature: '2.5' }).temperature).toBe('Enter a number from 0 to 2');
    expect(errs({ temperature: '' }).temperature).toBeDefined();
    expect(errs({ temperature: '0' }).temperature).toBeUndefined();
    expect(errs({ maxTokens: '0' }).maxTokens).toBeDefined();
    expect(errs({ maxTokens: '8193' }).maxTokens).toBeDefined();
    expect(errs({ maxTokens: '1.5' }).maxTokens).toBeDefined();
    expect(errs({ contextTokens: '1000' }).contextTokens).toMatch(/1,024 to 1,000,000/);
    expect(errs({ contextTokens: '2048', maxTokens: '4096' }).contextTokens).toBe('Must be larger than the longest answer (max tokens)');
  });

  it('names the model field after what the provider calls it', () => {
    expect(validateModelForm(form({ model: ' ' }), SAVED).model).toBe('Enter the model’s name');
    expect(validateModelForm(form({ provider: 'azure_openai', model: '', apiKey: 'k', baseUrl: 'https://r.openai.azure.com/openai/v1' }), SAVED).model).toBe(
      'Enter your deployment’s name',
    );
  });
});

describe('the body', () => {
  it('converts the inputs and leaves an empty embedding model out as null', () => {
    expect(formToModelUpdate(form({ embeddingModel: ' ', temperature: '0.5 ', vision: false }), SAVED)).toEqual({
      provider: 'openai',
      base_url: 'https://api.openai.com/v1',
      model: 'gpt-4o-mini',
      temperature: 0.5,
      max_tokens: 600,
      context_tokens: 128000,
      embedding_model: null,
      vision: false,
    });
  });
});

describe('server field errors', () => {
  it('land on their fields, nested or not', () => {
    expect(
      mapModelServerFields({
        'model.base_url': 'refusing to call localhost: allow it with PARLEY_WEBHOOK_ALLOW_HOSTS',
        'model.model': 'must not be empty',
        api_key: 'send the API key again',
        max_tokens: 'must be between 1 and 8192',
      }),
    ).toEqual({
      errors: {
        baseUrl: 'refusing to call localhost: allow it with PARLEY_WEBHOOK_ALLOW_HOSTS',
        model: 'must not be empty',
        apiKey: 'send the API key again',
        maxTokens: 'must be between 1 and 8192',
      },
      other: [],
    });
  });

  it('keep what fits no field', () => {
    expect(mapModelServerFields({ 'model.seed': 'unknown field' })).toEqual({ errors: {}, other: ['model.seed: unknown field'] });
  });
});

// Issue 28's additions to a bot's API (shared-contract-28): the model's provider and
// vision, the model test call and "try the bot", written out by hand until `make openapi`
// regenerates src/api/schema.d.ts. Everything the bot page needs beyond the generated
// types is in this one file, so switching to the generated ones is one edit.
import type { Bot } from '../../api/types';
import type { components } from '../../api/schema';

export type Provider = components['schemas']['ModelProvider'];

/** A bot's model settings (the `model` field of a bot; null = extractive answers). */
export interface ModelSettings {
  provider: Provider;
  /** Up to and including /v1. */
  base_url: string;
  model: string;
  /** 0 to 2. */
  temperature: number;
  /** 1 to 8192. */
  max_tokens: number;
  /** 1024 to 1,000,000, and more than max_tokens. */
  context_tokens: number;
  embedding_model?: string | null;
  /** Whether the model is sent the visitor's images. */
  vision: boolean;
}

/** The model as a bot's JSON shows it: the key itself is never sent, only whether one is stored. */
export type ModelView = ModelSettings & { has_api_key: boolean };

/**
 * Body of PUT /api/v1/bots/{id}/model and POST …/model/test. `api_key` is write-only:
 * omitted keeps the stored key (allowed only while base_url and provider are unchanged),
 * "" removes it.
 */
export type ModelUpdate = ModelSettings & { api_key?: string };

/** POST /api/v1/bots/{id}/model/test: one real call to the provider. */
/** `error` is the provider's error in plain words ("The provider refused the API key (401)"). */
export type ModelTestResult = components['schemas']['ModelCheck'];

export type TryOutcome = 'faq' | 'passages' | 'model' | 'fallback' | 'small_talk' | 'handoff';

export interface TryPassage {
  document_id: string;
  title: string;
  /** "" or null when the passage is under no heading. */
  heading: string | null;
  text: string;
  score: number;
  /** Whether the passage went into the model's prompt (without a model: could be quoted, as it cleared the bar). */
  sent: boolean;
}

export interface PromptBudget {
  context_tokens: number;
  answer_tokens: number;
  prompt_tokens: number;
  /** In the contract; the server's first version leaves it out, so the panel does without. */
  passage_tokens?: number;
  passages_sent: number;
}

/** POST /api/v1/bots/{id}/try: what the bot would answer. Nothing is stored. */
export interface TryResult {
  answer: string;
  outcome: TryOutcome;
  /** 0 to 1: how well the best passage covers the question. */
  relevance: number;
  /** The bar it must clear to be used. */
  relevance_bar: number;
  passages: TryPassage[];
  budget: PromptBudget | null;
  /** "extractive" or the model's name. */
  model: string;
  latency_ms: number;
}

/**
 * The bot's model with issue 28's fields. A server from before them sends neither
 * `provider` nor `vision`: they read as the contract's defaults ("custom", false).
 */
export function modelOf(bot: Bot): ModelView | null {
  const model = (bot as { model?: (Partial<ModelView> & Omit<ModelView, 'provider' | 'vision'>) | null }).model;
  if (!model) return null;
  return { ...model, provider: model.provider ?? 'custom', vision: model.vision ?? false };
}

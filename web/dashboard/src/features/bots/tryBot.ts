// "Try the bot": words and geometry for an answer's outcome, relevance, passages and
// prompt budget. Pure, so it is tested without rendering.
import type { BadgeTone } from '../../ui/Badge';
import type { PromptBudget, TryOutcome, TryPassage, TryResult } from './contract';

export const OUTCOMES: Record<TryOutcome, { label: string; tone: BadgeTone; text: string }> = {
  faq: { label: 'FAQ', tone: 'info', text: 'Answered word for word from an FAQ.' },
  passages: { label: 'Passages', tone: 'success', text: 'Quoted from the passages found in your documents.' },
  model: { label: 'Model', tone: 'info', text: 'Written by the model from the passages found.' },
  fallback: {
    label: 'Fallback',
    tone: 'warning',
    text: 'No passage cleared the relevance bar, so the bot gave its fallback message.',
  },
  small_talk: { label: 'Small talk', tone: 'neutral', text: 'A greeting, thanks or goodbye, answered in kind.' },
  handoff: { label: 'Handoff', tone: 'danger', text: 'The question asks for a person: the conversation would go to your team.' },
};

/** An outcome the contract does not name yet still shows, as itself. */
export function outcomeOf(outcome: string): { label: string; tone: BadgeTone; text: string } {
  return OUTCOMES[outcome as TryOutcome] ?? { label: outcome, tone: 'neutral', text: '' };
}

const clamp01 = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0);
const two = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

export interface RelevanceMeter {
  /** 0..1, for the meter's fill. */
  value: number;
  /** 0..1, where the bar's mark sits. */
  bar: number;
  clears: boolean;
  /** "relevance 0.42, bar 0.30" */
  text: string;
}

/** How well the best passage covers the question, against the bar it must clear. */
export function relevanceMeter(relevance: number, bar: number): RelevanceMeter {
  return {
    value: clamp01(relevance),
    bar: clamp01(bar),
    clears: Number.isFinite(relevance) && relevance >= bar,
    text: `relevance ${two(relevance)}, bar ${two(bar)}`,
  };
}

/** "Shipping › Express delivery"; the title alone when the passage has no heading. */
export function passageTitle(p: Pick<TryPassage, 'title' | 'heading'>): string {
  const heading = p.heading?.trim();
  return heading ? `${p.title} › ${heading}` : p.title;
}

export const formatScore = two;

export function formatTokens(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—';
}

export interface BudgetPart {
  key: 'passages' | 'prompt' | 'answer' | 'free';
  label: string;
  tokens: number;
  /** Share of the context window, 0..100. */
  percent: number;
}

/**
 * The context window split into what the prompt's passages take, the rest of the prompt
 * (instructions, memory, question), what is kept for the answer, and what is left over.
 */
export function budgetParts(b: PromptBudget): BudgetPart[] {
  const total = Math.max(1, b.context_tokens);
  const answer = Math.max(0, b.answer_tokens);
  const free = Math.max(0, b.context_tokens - b.prompt_tokens - answer);
  const known = typeof b.passage_tokens === 'number' && Number.isFinite(b.passage_tokens);
  const passages = known ? Math.max(0, Math.min(b.passage_tokens!, b.prompt_tokens)) : 0;
  const prompt = Math.max(0, b.prompt_tokens - passages);
  const parts: Array<Omit<BudgetPart, 'percent'>> = [
    // Without the passages' share, the prompt is shown whole.
    ...(known ? [{ key: 'passages' as const, label: `Passages (${b.passages_sent} sent)`, tokens: passages }] : []),
    {
      key: 'prompt',
      label: known ? 'Instructions, memory and question' : `Prompt, with ${b.passages_sent} passage${b.passages_sent === 1 ? '' : 's'}`,
      tokens: prompt,
    },
    { key: 'answer', label: 'Kept for the answer', tokens: answer },
    { key: 'free', label: 'Unused', tokens: free },
  ];
  return parts.map((p) => ({ ...p, percent: Math.min(100, (p.tokens / total) * 100) }));
}

/** "Prompt 1,234 of 8,192 tokens, 512 kept for the answer" */
export function budgetSummary(b: PromptBudget): string {
  return `Prompt ${formatTokens(b.prompt_tokens)} of ${formatTokens(b.context_tokens)} tokens, ${formatTokens(b.answer_tokens)} kept for the answer`;
}

/** "5 passages found, 2 sent to the model"; without a model, "…, 2 usable" (they cleared the bar). */
export function passagesSummary(result: Pick<TryResult, 'passages' | 'model'>): string {
  const n = result.passages.length;
  if (n === 0) return 'No passages found';
  const found = `${n} passage${n === 1 ? '' : 's'} found`;
  const sent = result.passages.filter((p) => p.sent).length;
  return result.model === 'extractive' ? `${found}, ${sent} usable` : `${found}, ${sent} sent to the model`;
}

/** The mark on a passage: whether it went to the model, or without one whether it could be quoted. */
export function passageUse(sent: boolean, model: string): { label: string; used: boolean } {
  if (model === 'extractive') return { label: sent ? 'Usable' : 'Below the bar', used: sent };
  return { label: sent ? 'Sent to the model' : 'Not sent', used: sent };
}

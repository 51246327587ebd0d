// The custom intents editor without React: drafts as the form holds them
// (one-per-line text), conversion to the API's CustomIntent, and the checks
// the server makes, run first so mistakes show at the field that has them.
import type { CustomIntent } from '../../api/insight';

/** The server's built-in intents (crates/parley-domain/src/insight/intent.rs): custom names may not reuse them. */
export const BUILTIN_INTENTS = [
  'demo_request',
  'pricing',
  'enterprise_inquiry',
  'bulk_order',
  'return_request',
  'refund',
  'complaint',
  'cancellation',
  'order_status',
  'human_agent',
] as const;

/** Limits the server enforces (MAX_CUSTOM_INTENTS and friends in intent.rs). */
export const MAX_INTENTS = 50;
export const MAX_CUES = 200;
export const MAX_CUE_CHARS = 200;
/** Lead points outside ±100 cannot mean more than "always hot" or "always cold" on a 0–100 score. */
export const MAX_POINTS = 100;

const NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** One intent as the form edits it. `key` is local, so renaming does not remount the fields. */
export interface IntentDraft {
  key: string;
  name: string;
  phrases: string;
  patterns: string;
  leadPoints: string;
}

export type DraftErrors = Partial<Record<'name' | 'phrases' | 'patterns' | 'leadPoints', string>>;

let nextKey = 0;
const newKey = () => `intent-${++nextKey}`;

export function emptyDraft(): IntentDraft {
  return { key: newKey(), name: '', phrases: '', patterns: '', leadPoints: '0' };
}

export function toDrafts(intents: readonly CustomIntent[]): IntentDraft[] {
  return intents.map((i) => ({
    key: newKey(),
    name: i.name,
    phrases: i.phrases.join('\n'),
    patterns: i.patterns.join('\n'),
    leadPoints: String(i.lead_points),
  }));
}

/** Non-empty trimmed lines. */
export function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export function fromDraft(d: IntentDraft): CustomIntent {
  return {
    name: d.name.trim(),
    phrases: lines(d.phrases),
    patterns: lines(d.patterns),
    lead_points: Number(d.leadPoints.trim() || '0'),
  };
}

/** Whether the drafts say something different from what is saved (blank lines and spacing do not count). */
export function hasChanges(drafts: readonly IntentDraft[], saved: readonly CustomIntent[]): boolean {
  return JSON.stringify(drafts.map(fromDraft)) !== JSON.stringify(saved);
}

function cueError(cues: string[], what: 'Phrase' | 'Pattern'): string | undefined {
  const long = cues.find((c) => c.length > MAX_CUE_CHARS);
  if (long) return `${what} “${long.slice(0, 30)}…” is longer than ${MAX_CUE_CHARS} characters.`;
  if (what === 'Pattern') {
    // "*" and "#" stand for words; a pattern of wildcards alone would match anything.
    const bare = cues.find((c) => !/[\p{L}\p{N}]/u.test(c.replace(/[*#]/g, '')));
    if (bare) return `Pattern “${bare}” needs at least one word besides * and #.`;
  }
  return undefined;
}

/** Problems by draft key; an empty object when everything can be sent. */
export function validateDrafts(drafts: readonly IntentDraft[]): Record<string, DraftErrors> {
  const out: Record<string, DraftErrors> = {};
  const seen = new Set<string>();
  for (const d of drafts) {
    const e: DraftErrors = {};
    const name = d.name.trim();
    if (!name) e.name = 'Name is required.';
    else if (!NAME.test(name)) e.name = 'Use lowercase letters, digits and _, starting with a letter (at most 64).';
    else if ((BUILTIN_INTENTS as readonly string[]).includes(name)) e.name = `“${name}” is a built-in intent.`;
    else if (seen.has(name)) e.name = `“${name}” is defined twice.`;
    seen.add(name);

    const phrases = lines(d.phrases);
    const patterns = lines(d.patterns);
    if (phrases.length + patterns.length === 0) e.phrases = 'Add at least one phrase or pattern.';
    else if (phrases.length + patterns.length > MAX_CUES) e.phrases = `At most ${MAX_CUES} phrases and patterns together.`;
    else {
      const p = cueError(phrases, 'Phrase');
      if (p) e.phrases = p;
      const q = cueError(patterns, 'Pattern');
      if (q) e.patterns = q;
    }

    const points = d.leadPoints.trim();
    if (points !== '' && !(/^-?\d+$/.test(points) && Math.abs(Number(points)) <= MAX_POINTS)) {
      e.leadPoints = `A whole number from -${MAX_POINTS} to ${MAX_POINTS}.`;
    }
    if (Object.keys(e).length > 0) out[d.key] = e;
  }
  return out;
}

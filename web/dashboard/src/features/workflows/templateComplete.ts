// Autocomplete of `{{path}}` templates and expression paths: the context the executor
// builds for every event (docs/workflows.md, "The context").

/** Every path the executor's context has, for suggestions. */
export const CONTEXT_PATHS: readonly string[] = [
  'visitor.name',
  'visitor.email',
  'visitor.id',
  'lead.score',
  'lead.priority',
  'lead.stage',
  'lead.name',
  'lead.email',
  'lead.company',
  'lead.phone',
  'lead.budget',
  'lead.currency',
  'lead.quantity',
  'lead.team_size',
  'lead.timeline',
  'lead.urgent',
  'lead.intents',
  'intent',
  'conversation.id',
  'conversation.status',
  'conversation.tags',
  'conversation.human_handoff',
  'conversation.assigned_agent',
  'conversation.message_count',
  'conversation.preview',
  'conversation.lead_stage',
  'sentiment.average',
  'sentiment.recent',
  'sentiment.last',
  'sentiment.trend',
  'sentiment.negative',
  'event.name',
  'event.id',
  'event.payload.text',
  'event.payload.intent',
  'event.payload.conversation_id',
];

export interface Open {
  /** Where the typed path starts (just after `{{` and any spaces). */
  start: number;
  prefix: string;
}

/** The unfinished `{{…` the caret is in, if any. */
export function openTemplate(text: string, caret: number): Open | null {
  const before = text.slice(0, caret);
  const open = before.lastIndexOf('{{');
  if (open < 0 || before.indexOf('}}', open) >= 0) return null;
  const inside = before.slice(open + 2);
  const lead = inside.length - inside.trimStart().length;
  const prefix = inside.trimStart();
  if (!/^[\w.]*$/.test(prefix)) return null;
  return { start: open + 2 + lead, prefix };
}

/** The path being typed at the caret of an expression (no braces there), if any. */
export function openPath(text: string, caret: number): Open | null {
  const before = text.slice(0, caret);
  // Not inside a quoted string.
  const quotes = (before.match(/"/g) ?? []).length + (before.match(/'/g) ?? []).length;
  if (quotes % 2 === 1) return null;
  const m = /[A-Za-z_][\w.]*$/.exec(before);
  if (!m) return null;
  return { start: caret - m[0].length, prefix: m[0] };
}

/** Paths starting with (then containing) what was typed, at most `limit`. */
export function suggest(prefix: string, paths: readonly string[] = CONTEXT_PATHS, limit = 8): string[] {
  const p = prefix.toLowerCase();
  const starts = paths.filter((x) => x.toLowerCase().startsWith(p));
  const contains = paths.filter((x) => !x.toLowerCase().startsWith(p) && x.toLowerCase().includes(p));
  return [...starts, ...contains].filter((x) => x !== prefix).slice(0, limit);
}

/**
 * Puts `path` where the open path starts, closing the template when `close` (and it is not
 * closed already). Returns the new text and where the caret goes.
 */
export function applySuggestion(text: string, caret: number, open: Open, path: string, close: boolean): { text: string; caret: number } {
  const after = text.slice(caret);
  const closing = close && !/^\s*\}\}/.test(after) ? '}}' : '';
  const next = `${text.slice(0, open.start)}${path}${closing}${after}`;
  return { text: next, caret: open.start + path.length + closing.length };
}

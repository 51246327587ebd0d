// The canned replies page's rules: the shortcut as the server keeps it, checks made before
// asking the server, the 409 shown on its field, and inserting a placeholder in the body.
// Pure, so it is tested without rendering.
import { ApiError } from '../../api/errors';
import type { CannedReply, CannedReplyInput } from './contract';

export const SHORTCUT_MAX = 32;
export const BODY_MAX = 2000;

export type CannedField = keyof CannedReplyInput;
export type CannedErrors = Partial<Record<CannedField, string>>;

/**
 * A shortcut as the server stores it: trimmed, without the "/" agents type before it in
 * the inbox, in lower case.
 */
export function normalizeShortcut(text: string): string {
  return text.trim().replace(/^\/+/, '').toLowerCase();
}

const SHORTCUT = /^[\p{L}\p{N}_-]+$/u;

export function validateCanned(input: CannedReplyInput): CannedErrors {
  const errors: CannedErrors = {};
  const shortcut = normalizeShortcut(input.shortcut);
  if (shortcut === '') errors.shortcut = 'Enter a shortcut, e.g. shipping';
  else if ([...shortcut].length > SHORTCUT_MAX) errors.shortcut = `At most ${SHORTCUT_MAX} characters`;
  else if (!SHORTCUT.test(shortcut)) errors.shortcut = 'Use letters, digits, - and _ only (no spaces)';
  const body = input.body.trim();
  if (body === '') errors.body = 'Enter the reply';
  else if ([...body].length > BODY_MAX) errors.body = `At most ${BODY_MAX.toLocaleString('en-US')} characters`;
  return errors;
}

/** The body sent: shortcut normalized, body trimmed. */
export function cannedInput(input: CannedReplyInput): CannedReplyInput {
  return { shortcut: normalizeShortcut(input.shortcut), body: input.body.trim() };
}

/**
 * Where a refused save's reasons go: a taken shortcut (409) onto the shortcut, a 422's
 * fields onto theirs; anything else is a message for the whole form.
 */
export function savingErrors(error: unknown, input: CannedReplyInput): { errors: CannedErrors; message: string | null } {
  if (error instanceof ApiError && error.status === 409) {
    return { errors: { shortcut: `/${normalizeShortcut(input.shortcut)} is taken: pick another shortcut, or edit that reply.` }, message: null };
  }
  if (error instanceof ApiError && Object.keys(error.fields).length > 0) {
    const errors: CannedErrors = {};
    const other: string[] = [];
    for (const [key, text] of Object.entries(error.fields)) {
      if (key === 'shortcut' || key === 'body') errors[key] = text;
      else other.push(`${key}: ${text}`);
    }
    return { errors, message: other.length > 0 ? [error.message, ...other].join(' ') : null };
  }
  return { errors: {}, message: error instanceof Error ? error.message : 'Something went wrong.' };
}

/** Replies in the order the list shows them: by shortcut. */
export function sortReplies(replies: readonly CannedReply[]): CannedReply[] {
  return [...replies].sort((a, b) => a.shortcut.localeCompare(b.shortcut));
}

/** `token` put in place of the selection [start, end) of `text`, and where the cursor goes after it. */
export function insertAt(text: string, start: number, end: number, token: string): { text: string; cursor: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + token + text.slice(to), cursor: from + token.length };
}

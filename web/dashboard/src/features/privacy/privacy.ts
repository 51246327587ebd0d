// The Privacy page's rules, pure so they are tested without rendering: what counts as an
// email, when a typed confirmation matches, how far an erasure got, and the retention
// setting as the API takes it.

/** An erasure request as GET /api/v1/privacy/erasures returns it. */
export interface Erasure {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  email_hash: string;
  conversations_total: number;
  conversations_done: number;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface ErasureList {
  items: Erasure[];
}

export interface PrivacySettings {
  retention_days: number | null;
}

export const MAX_RETENTION_DAYS = 3650;

/** Roughly an email (the server checks it properly). */
export function looksLikeEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim());
}

/** The typed confirmation names the same email (case and spaces aside). */
export function confirmationMatches(email: string, typed: string): boolean {
  const a = email.trim().toLowerCase();
  return a !== '' && a === typed.trim().toLowerCase();
}

export function isFinished(e: Erasure): boolean {
  return e.status === 'done' || e.status === 'failed';
}

/** 0 to 100: a queued request is 0, a finished one 100, otherwise conversations done. */
export function progressPercent(e: Erasure): number {
  if (isFinished(e)) return 100;
  if (e.conversations_total <= 0) return e.status === 'running' ? 50 : 0;
  return Math.min(100, Math.round((100 * e.conversations_done) / e.conversations_total));
}

/** One line saying where an erasure is. */
export function erasureSummary(e: Erasure): string {
  const n = e.conversations_total;
  const convs = `${n} conversation${n === 1 ? '' : 's'}`;
  switch (e.status) {
    case 'queued':
      return `Waiting to start: ${convs} to erase`;
    case 'running':
      return `Erasing: ${e.conversations_done} of ${convs}`;
    case 'done':
      return n === 0 ? 'Done: no conversations, mentions in events and runs removed' : `Done: ${convs} erased`;
    case 'failed':
      return `Failed after ${e.conversations_done} of ${convs}${e.error ? `: ${e.error}` : ''}`;
  }
}

/** The retention field's text as the API's value, or a problem to show. */
export function parseRetention(enabled: boolean, text: string): { days: number | null } | { error: string } {
  if (!enabled) return { days: null };
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return { error: 'Enter a whole number of days' };
  const days = Number(trimmed);
  if (days < 1 || days > MAX_RETENTION_DAYS) return { error: `Between 1 and ${MAX_RETENTION_DAYS} days` };
  return { days };
}

/** The file name a Content-Disposition header gives, or a default. */
export function fileNameFrom(disposition: string | null, fallback = 'parley-export.zip'): string {
  const match = disposition?.match(/filename="?([^";]+)"?/i);
  return match?.[1] ?? fallback;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// Canned replies in the reply box: typing "/" at the start opens a list filtered by what
// follows it; picking one replaces the "/…" with the reply's body, placeholders filled.
import { fillPlaceholders, type PlaceholderValues } from '../../lib/placeholders';
import type { CannedReply } from './contract';

/**
 * What the agent typed after a leading "/", while they are still choosing: "/" alone is
 * "", "/ref" is "ref". Null when the box does not start with "/" or the agent went on
 * past the shortcut (a space or a new line), which closes the list.
 */
export function slashQuery(text: string): string | null {
  const m = /^\/([^\s/]*)$/.exec(text);
  return m ? m[1]! : null;
}

/**
 * The replies for a query, best first: shortcuts starting with it, then shortcuts
 * containing it, then bodies containing it; alphabetical by shortcut within each.
 * Case is ignored. An empty query lists them all.
 */
export function matchCanned(replies: readonly CannedReply[], query: string): CannedReply[] {
  const q = query.trim().toLowerCase();
  const sorted = [...replies].sort((a, b) => a.shortcut.localeCompare(b.shortcut));
  if (!q) return sorted;
  const rank = (r: CannedReply): number => {
    const shortcut = r.shortcut.toLowerCase();
    if (shortcut.startsWith(q)) return 0;
    if (shortcut.includes(q)) return 1;
    if (r.body.toLowerCase().includes(q)) return 2;
    return -1;
  };
  const ranked = sorted.map((r) => ({ r, rank: rank(r) })).filter((x) => x.rank >= 0);
  return ranked.sort((a, b) => a.rank - b.rank).map((x) => x.r);
}

/** The reply box after picking a reply: the leading "/…" becomes its body, placeholders filled. */
export function insertCanned(text: string, reply: Pick<CannedReply, 'body'>, values: PlaceholderValues): string {
  const filled = fillPlaceholders(reply.body, values);
  return /^\/\S*/.test(text) ? text.replace(/^\/\S*/, () => filled) : filled + text;
}

/** The next highlighted row for an arrow key, wrapping around; -1 when there are none. */
export function moveActive(active: number, count: number, key: 'ArrowDown' | 'ArrowUp'): number {
  if (count === 0) return -1;
  if (active < 0 || active >= count) return key === 'ArrowDown' ? 0 : count - 1;
  return key === 'ArrowDown' ? (active + 1) % count : (active - 1 + count) % count;
}

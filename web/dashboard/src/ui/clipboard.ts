/** Selects the text content of an element so the user can press Ctrl+C. */
export function selectContents(element: HTMLElement): void {
  const selection = window.getSelection();
  if (!selection) return;
  const range = document.createRange();
  range.selectNodeContents(element);
  selection.removeAllRanges();
  selection.addRange(range);
}

/**
 * Copies text with the async Clipboard API. When that is unavailable (plain
 * http on a non-localhost host) or refused, selects `fallback`'s text instead.
 * Returns "copied" or "selected" so the caller can tell the user what happened.
 */
export async function copyText(text: string, fallback?: HTMLElement | null): Promise<'copied' | 'selected' | 'failed'> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return 'copied';
    }
  } catch {
    // Permission denied or document not focused: fall through to selecting.
  }
  if (fallback) {
    selectContents(fallback);
    return 'selected';
  }
  return 'failed';
}

// The bot page's image-analysis card without React: the fields sent to
// POST /api/v1/vision/analyze, the typed result as label/value rows, and a count's boxes.

export const VISION_KINDS = [
  { value: 'condition', label: 'Product condition (returns)' },
  { value: 'invoice', label: 'Invoice or receipt' },
  { value: 'count', label: 'Count items' },
  { value: 'describe', label: 'Describe / ask a question' },
] as const;

/** The largest image the server takes (5 MiB). */
export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** Why a picked file cannot be sent, or null when it can. */
export function fileProblem(file: { type: string; size: number; name: string }): string | null {
  if (file.size > MAX_IMAGE_BYTES) return `${file.name} is larger than 5 MiB: send a smaller photo.`;
  if (file.type && !file.type.startsWith('image/')) return `${file.name} is not an image.`;
  return null;
}

/** The multipart text parts: the kind, the question or what to count, and the bot whose model to use. */
export function analyzeFields(botId: string, kind: string, question: string): Record<string, string> {
  const fields: Record<string, string> = { kind, bot_id: botId };
  const q = question.trim();
  if (q && kind === 'describe') fields.question = q;
  if (q && kind === 'count') fields.what = q;
  return fields;
}

const money = (v: unknown, currency: unknown) =>
  typeof v === 'number' ? `${typeof currency === 'string' ? `${currency} ` : ''}${v.toFixed(2)}` : '—';
const pct = (v: unknown) => (typeof v === 'number' ? `${Math.round(v * 100)} %` : '—');

/** The result's facts as rows for a definition list, by kind. */
export function resultRows(result: Record<string, unknown> | null): [string, string][] {
  if (!result) return [];
  const r = result;
  switch (r.kind) {
    case 'condition': {
      const damages = Array.isArray(r.damages)
        ? (r.damages as { description?: string; location?: string; severity?: string }[]).map((d) => `${d.description} (${d.location}, ${d.severity})`)
        : [];
      const issues = Array.isArray(r.quality_issues) ? (r.quality_issues as { message?: string }[]).map((q) => q.message ?? '') : [];
      return [
        ['Verdict', String(r.verdict ?? '—').replace('_', ' ')],
        ['Damage', damages.join('; ') || 'none seen'],
        ['Reasons', Array.isArray(r.reasons) ? (r.reasons as string[]).join(' ') : '—'],
        ['Photo quality', issues.join(' ') || 'fine'],
        ['Confidence', pct(r.confidence)],
      ];
    }
    case 'invoice': {
      const checks = (r.checks ?? {}) as Record<string, unknown>;
      const checkWords = Object.entries(checks)
        .filter(([, v]) => typeof v === 'boolean')
        .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v ? 'yes' : 'no'}`);
      return [
        ['Vendor', String(r.vendor ?? '—')],
        ['Invoice number', String(r.invoice_number ?? '—')],
        ['Date', `${r.date ?? '—'}${r.date_ambiguous ? ' (ambiguous)' : ''}`],
        ['Line items', String(Array.isArray(r.line_items) ? r.line_items.length : 0)],
        ['Subtotal', money(r.subtotal, r.currency)],
        ['Tax', money(r.tax, r.currency)],
        ['Total', money(r.total, r.currency)],
        ['Checks', checkWords.join(', ') || '—'],
        ['Confidence', pct(r.confidence)],
      ];
    }
    case 'count':
      return [
        ['Counted', String(r.what ?? '—')],
        ['Count', `${r.count ?? '—'}${r.estimate ? ' (an estimate)' : ''}`],
        ['Boxes', String(Array.isArray(r.boxes) ? r.boxes.length : 0)],
        ['Confidence', pct(r.confidence)],
      ];
    case 'describe':
      return [
        ['Description', String(r.description ?? '—')],
        ...(r.answer ? [['Answer', String(r.answer)] as [string, string]] : []),
        ['Tags', Array.isArray(r.tags) ? (r.tags as string[]).join(', ') || '—' : '—'],
        ['Confidence', pct(r.confidence)],
      ];
    default:
      return [];
  }
}

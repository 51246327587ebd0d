// Image analyses in the inbox without React: the newest analysis per image, the live
// `image.analyzed` event applied to the transcript, the count overlay's boxes, and an
// agent's correction form turned into the API's body (PUT /api/v1/images/{id}/analysis).
import type { AnalysisNote, Detail } from './contract';

export type Kind = 'condition' | 'invoice' | 'count' | 'describe';

/** One analysis as GET /api/v1/conversations/{id}/images lists it. */
export interface AnalysisView {
  id: string;
  image_id: string;
  message_id: string | null;
  kind: string;
  kind_source: string;
  status: string;
  method: string | null;
  provider: string | null;
  result: Record<string, unknown> | null;
  summary: string | null;
  error: string | null;
  normalize_ms: number | null;
  analyze_ms: number | null;
  created_at: string;
  finished_at: string | null;
  correction?: {
    result: Record<string, unknown>;
    summary: string;
    by: string;
    by_id: string | null;
    at: string;
    note: string | null;
  } | null;
}

/** The newest analysis of each image, in the order the images first appear (the list is oldest first). */
export function latestPerImage(items: readonly AnalysisView[]): AnalysisView[] {
  const order: string[] = [];
  const newest = new Map<string, AnalysisView>();
  for (const a of items) {
    if (!newest.has(a.image_id)) order.push(a.image_id);
    newest.set(a.image_id, a);
  }
  return order.map((id) => newest.get(id)!);
}

/** The result that counts: the agent's correction when there is one. */
export function effectiveResult(a: AnalysisView): Record<string, unknown> | null {
  return a.correction?.result ?? a.result;
}

/**
 * Puts an analysis note from a live event under its image in the open conversation. The
 * same object when nothing changes, so React does not render for another conversation.
 */
export function applyAnalysisNote(detail: Detail, conversationId: string, note: AnalysisNote): Detail {
  if (detail.conversation.id !== conversationId) return detail;
  let changed = false;
  const messages = detail.messages.map((m) => {
    if (!m.attachments?.some((a) => a.kind === 'image' && (a as { image_id?: string }).image_id === note.image_id)) return m;
    changed = true;
    return {
      ...m,
      attachments: m.attachments.map((a) =>
        a.kind === 'image' && (a as { image_id?: string }).image_id === note.image_id ? { ...a, analysis: note } : a,
      ),
    };
  });
  return changed ? { ...detail, messages } : detail;
}

/** What the analyses panel depends on: it fetches again when any note under an image changes. */
export function notesSignature(detail: Detail): string {
  const parts: string[] = [];
  for (const m of detail.messages) {
    for (const a of m.attachments ?? []) {
      const n = (a as { analysis?: AnalysisNote | null }).analysis;
      if (n) parts.push(`${n.id}:${n.status}:${n.summary ?? ''}:${(n as { corrected_by?: string | null }).corrected_by ?? ''}`);
    }
  }
  return parts.join('|');
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A count's boxes (fractions of the image), for drawing over it; none for other kinds. */
export function overlayBoxes(result: Record<string, unknown> | null): Box[] {
  if (!result || result.kind !== 'count' || !Array.isArray(result.boxes)) return [];
  return (result.boxes as unknown[]).filter((b): b is Box => {
    if (typeof b !== 'object' || b === null) return false;
    const r = b as Record<string, unknown>;
    return ['x', 'y', 'width', 'height'].every((k) => typeof r[k] === 'number');
  });
}

export interface DamageDraft {
  location: string;
  description: string;
  severity: 'minor' | 'moderate' | 'severe';
}

/** The correction form's fields, as text (what the inputs hold). */
export interface Draft {
  verdict: string;
  damages: DamageDraft[];
  reason: string;
  vendor: string;
  invoice_number: string;
  date: string;
  currency: string;
  subtotal: string;
  tax: string;
  total: string;
  what: string;
  count: string;
  description: string;
  note: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** The form filled from the result shown (a correction's, or what was read). */
export function draftFrom(result: Record<string, unknown> | null): Draft {
  const r = result ?? {};
  const damages = Array.isArray(r.damages)
    ? (r.damages as Record<string, unknown>[]).map((d) => ({
        location: str(d.location),
        description: str(d.description),
        severity: (['minor', 'moderate', 'severe'].includes(str(d.severity)) ? str(d.severity) : 'minor') as DamageDraft['severity'],
      }))
    : [];
  const reasons = Array.isArray(r.reasons) ? (r.reasons as unknown[]).map(str).filter(Boolean) : [];
  return {
    verdict: str(r.verdict) || 'needs_review',
    damages,
    reason: reasons.join(' '),
    vendor: str(r.vendor),
    invoice_number: str(r.invoice_number),
    date: str(r.date),
    currency: str(r.currency),
    subtotal: str(r.subtotal),
    tax: str(r.tax),
    total: str(r.total),
    what: str(r.what),
    count: str(r.count),
    description: str(r.description),
    note: '',
  };
}

export type Built = { ok: true; body: { result: Record<string, unknown>; note?: string } } | { ok: false; errors: Record<string, string> };

function amount(text: string, field: string, errors: Record<string, string>): number | null {
  const t = text.trim().replace(',', '.');
  if (t === '') return null;
  const n = Number(t);
  if (!Number.isFinite(n)) {
    errors[field] = 'Enter an amount like 58.85, or leave it empty.';
    return null;
  }
  return Math.round(n * 100) / 100;
}

/**
 * The API body for a correction of `kind`, starting from the original result (fields the
 * form does not show, like an invoice's line items, are kept), or the form's errors.
 */
export function buildCorrection(kind: string, draft: Draft, original: Record<string, unknown> | null): Built {
  const errors: Record<string, string> = {};
  const base: Record<string, unknown> = { ...(original ?? {}) };
  delete base.confidence; // a person decided: the server sets 1
  delete base.kind;
  let result: Record<string, unknown>;
  switch (kind) {
    case 'condition': {
      const damages = draft.damages
        .map((d) => ({ location: d.location.trim(), description: d.description.trim(), severity: d.severity }))
        .filter((d) => d.location || d.description);
      if (draft.verdict === 'damaged' && damages.length === 0) errors.damages = 'Say what is damaged and where.';
      if (draft.verdict !== 'damaged' && damages.length > 0 && draft.verdict === 'like_new') errors.damages = 'An item like new has no damage: remove it or choose another verdict.';
      if (damages.some((d) => !d.location || !d.description)) errors.damages = 'Each damage needs where and what.';
      if (!draft.reason.trim()) errors.reason = 'Say why, in a sentence (the visitor may see it).';
      result = {
        ...base,
        verdict: draft.verdict,
        damages: draft.verdict === 'damaged' || draft.verdict === 'used' ? damages : [],
        reasons: [draft.reason.trim()],
        quality_issues: draft.verdict === 'needs_review' ? (base.quality_issues ?? []) : [],
      };
      break;
    }
    case 'invoice': {
      const currency = draft.currency.trim().toUpperCase();
      if (currency && !/^[A-Z]{3}$/.test(currency)) errors.currency = 'Use a three-letter code like EUR.';
      const date = draft.date.trim();
      if (date && !/^\d{4}-\d{2}-\d{2}$/.test(date)) errors.date = 'Use the form 2026-03-14.';
      result = {
        ...base,
        vendor: draft.vendor.trim() || null,
        invoice_number: draft.invoice_number.trim() || null,
        date: date || null,
        currency: currency || null,
        subtotal: amount(draft.subtotal, 'subtotal', errors),
        tax: amount(draft.tax, 'tax', errors),
        total: amount(draft.total, 'total', errors),
        line_items: Array.isArray(base.line_items) ? base.line_items : [],
        date_raw: base.date_raw ?? null,
        date_ambiguous: false,
      };
      break;
    }
    case 'count': {
      const n = Number(draft.count.trim());
      if (!/^\d+$/.test(draft.count.trim()) || n > 10000) errors.count = 'Enter a whole number from 0 to 10,000.';
      if (!draft.what.trim()) errors.what = 'Say what was counted.';
      const boxes = Array.isArray(base.boxes) ? base.boxes : [];
      // Boxes that no longer match the count would be flagged; the overlay keeps the original's.
      result = { ...base, what: draft.what.trim(), count: n, boxes: boxes.length === n ? boxes : [], notes: [] };
      break;
    }
    default: {
      if (!draft.description.trim()) errors.description = 'Describe what the image shows.';
      result = { ...base, description: draft.description.trim(), tags: Array.isArray(base.tags) ? base.tags : [], answer: base.answer ?? null };
    }
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const note = draft.note.trim();
  return { ok: true, body: note ? { result, note } : { result } };
}

export const VERDICTS: { value: string; label: string }[] = [
  { value: 'damaged', label: 'Damaged' },
  { value: 'used', label: 'Used, no damage' },
  { value: 'like_new', label: 'Like new' },
  { value: 'needs_review', label: 'Needs review' },
];

import { describe, expect, it } from 'vitest';
import type { Detail } from './contract';
import { applyLiveEvent, parseLiveEvent } from './inbox';
import { applyAnalysisNote, buildCorrection, draftFrom, latestPerImage, notesSignature, overlayBoxes, type AnalysisView } from './imageAnalysis';

const view = (over: Partial<AnalysisView>): AnalysisView => ({
  id: 'a1',
  image_id: 'i1',
  message_id: 'm1',
  kind: 'condition',
  kind_source: 'purpose',
  status: 'done',
  method: 'offline',
  provider: 'quality_gate',
  result: null,
  summary: null,
  error: null,
  normalize_ms: 5,
  analyze_ms: 9,
  created_at: '2026-12-08T00:00:00Z',
  finished_at: null,
  ...over,
});

const detail = (): Detail =>
  ({
    conversation: { id: 'c1' },
    messages: [
      { id: 'm0', role: 'visitor', text: 'hi', attachments: [] },
      {
        id: 'm1',
        role: 'visitor',
        text: '',
        attachments: [{ kind: 'image', image_id: 'i1', url: '/img/i1', content_type: 'image/jpeg', bytes: 1, name: 'a.jpg', analysis: { id: 'a1', image_id: 'i1', kind: 'condition', status: 'queued', summary: null } }],
      },
    ],
  }) as unknown as Detail;

describe('image analyses in the inbox', () => {
  it('keeps the newest analysis per image, in the order images first appeared', () => {
    const list = [view({ id: 'a1' }), view({ id: 'b1', image_id: 'i2' }), view({ id: 'a2', kind: 'count' })];
    expect(latestPerImage(list).map((a) => a.id)).toEqual(['a2', 'b1']);
  });

  it('puts a live note under its image and leaves other conversations alone', () => {
    const d = detail();
    const note = { id: 'a1', image_id: 'i1', kind: 'condition', status: 'done', summary: 'Damaged: a dent (lid)' };
    const next = applyAnalysisNote(d, 'c1', note);
    expect(next).not.toBe(d);
    const att = next.messages[1]!.attachments![0] as { analysis: unknown };
    expect(att.analysis).toEqual(note);
    expect(notesSignature(next)).toContain('Damaged: a dent (lid)');
    expect(applyAnalysisNote(d, 'other', note)).toBe(d);
    expect(applyAnalysisNote(d, 'c1', { ...note, image_id: 'nope' })).toBe(d);
  });

  it('parses the image.analyzed stream event and applies it to the open conversation', () => {
    const data = JSON.stringify({ conversation_id: 'c1', analysis: { id: 'a9', image_id: 'i1', kind: 'count', status: 'done', summary: 'About 4 discs' } });
    const event = parseLiveEvent('image.analyzed', data);
    expect(event?.type).toBe('image.analyzed');
    expect(parseLiveEvent('image.analyzed', JSON.stringify({ conversation_id: 'c1' }))).toBeNull();
    const r = applyLiveEvent({ items: [], detail: detail() }, event!, { view: 'all' } as never);
    expect(r.refetchList).toBe(false);
    const att = r.state.detail!.messages[1]!.attachments![0] as { analysis: { summary: string } };
    expect(att.analysis.summary).toBe('About 4 discs');
  });

  it('draws only well-formed count boxes', () => {
    const result = { kind: 'count', boxes: [{ x: 0.1, y: 0.2, width: 0.1, height: 0.1 }, { x: 'a' }, null] };
    expect(overlayBoxes(result)).toEqual([{ x: 0.1, y: 0.2, width: 0.1, height: 0.1 }]);
    expect(overlayBoxes({ kind: 'invoice' })).toEqual([]);
    expect(overlayBoxes(null)).toEqual([]);
  });

  it('builds a condition correction and says what is missing', () => {
    const original = { kind: 'condition', verdict: 'needs_review', damages: [], reasons: ['Photo gate only.'], confidence: 0, quality_issues: [] };
    const draft = { ...draftFrom(original), verdict: 'damaged', reason: '' };
    const refused = buildCorrection('condition', draft, original);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.errors.damages).toMatch(/damaged/);
      expect(refused.errors.reason).toBeTruthy();
    }
    const ok = buildCorrection('condition', { ...draft, reason: 'Dented lid.', note: ' seen ', damages: [{ location: 'lid', description: 'a dent', severity: 'minor' }] }, original);
    expect(ok).toEqual({
      ok: true,
      body: {
        result: { verdict: 'damaged', damages: [{ location: 'lid', description: 'a dent', severity: 'minor' }], reasons: ['Dented lid.'], quality_issues: [] },
        note: 'seen',
      },
    });
  });

  it('builds invoice and count corrections, keeping what the form does not show', () => {
    const invoice = { kind: 'invoice', vendor: 'ACME', total: 58.85, line_items: [{ description: 'x', quantity: 1, amount: 58.85 }], confidence: 0.3 };
    const built = buildCorrection('invoice', { ...draftFrom(invoice), total: '60,00', currency: 'eur' }, invoice);
    expect(built.ok && built.body.result).toMatchObject({ vendor: 'ACME', total: 60, currency: 'EUR', line_items: invoice.line_items });
    expect(built.ok && 'confidence' in built.body.result).toBe(false);
    const bad = buildCorrection('invoice', { ...draftFrom(invoice), total: 'lots', date: '14.03.2024' }, invoice);
    expect(bad.ok ? {} : bad.errors).toEqual({ total: expect.any(String), date: expect.any(String) });

    const count = { kind: 'count', what: 'discs', count: 3, boxes: [1, 2, 3], estimate: true };
    const same = buildCorrection('count', { ...draftFrom(count), count: '3' }, count);
    expect(same.ok && same.body.result.boxes).toEqual([1, 2, 3]);
    const more = buildCorrection('count', { ...draftFrom(count), count: '4' }, count);
    expect(more.ok && more.body.result).toMatchObject({ count: 4, boxes: [] });
    expect(buildCorrection('count', { ...draftFrom(count), count: '-1' }, count).ok).toBe(false);
  });
});

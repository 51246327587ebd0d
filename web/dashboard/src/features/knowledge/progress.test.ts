import { describe, expect, it } from 'vitest';
import type { Document } from '../../api/types';
import { ingestSummary, isIngesting, mergeDocument, statusTone } from './progress';

describe('ingest progress', () => {
  it('counts failed documents as finished', () => {
    expect(ingestSummary({ documents_total: 8, documents_done: 3, documents_failed: 1, chunks: 40 })).toEqual({
      finished: 4,
      total: 8,
      failed: 1,
      chunks: 40,
      percent: 50,
      active: true,
    });
  });

  it('is complete when everything is done, and when there is nothing', () => {
    expect(ingestSummary({ documents_total: 5, documents_done: 5, documents_failed: 0, chunks: 17 })).toMatchObject({ percent: 100, active: false });
    expect(ingestSummary({ documents_total: 0, documents_done: 0, documents_failed: 0, chunks: 0 })).toMatchObject({ percent: 100, active: false });
  });

  it('rounds down and never exceeds the total', () => {
    expect(ingestSummary({ documents_total: 3, documents_done: 2, documents_failed: 0, chunks: 1 }).percent).toBe(66);
    expect(ingestSummary({ documents_total: 2, documents_done: 2, documents_failed: 1, chunks: 1 })).toMatchObject({ finished: 2, percent: 100 });
  });

  it('polls while any document is queued or processing', () => {
    expect(isIngesting([{ status: 'ready' }, { status: 'failed' }])).toBe(false);
    expect(isIngesting([{ status: 'ready' }, { status: 'queued' }])).toBe(true);
    expect(isIngesting([{ status: 'processing' }])).toBe(true);
  });

  it('maps status to badge tones', () => {
    expect(['queued', 'processing', 'ready', 'failed'].map(statusTone)).toEqual(['neutral', 'info', 'success', 'danger']);
  });

  it('puts an uploaded document first, or replaces it', () => {
    const a = { id: 'a', status: 'ready' } as Document;
    const b = { id: 'b', status: 'queued' } as Document;
    expect(mergeDocument([a], b).map((d) => d.id)).toEqual(['b', 'a']);
    expect(mergeDocument([b, a], { ...b, status: 'ready' })).toEqual([{ ...b, status: 'ready' }, a]);
  });
});

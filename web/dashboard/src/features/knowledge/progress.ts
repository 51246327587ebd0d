import type { components } from '../../api/schema';
import type { Document, IngestProgress } from '../../api/types';

export type DocumentStatus = components['schemas']['DocumentStatus'];

export function isPending(status: string): boolean {
  return status === 'queued' || status === 'processing';
}

/** Whether the list should be polled: any document is still being ingested. */
export function isIngesting(documents: readonly Pick<Document, 'status'>[]): boolean {
  return documents.some((d) => isPending(d.status));
}

export interface IngestSummary {
  /** Documents finished, ready or failed. */
  finished: number;
  total: number;
  failed: number;
  chunks: number;
  /** 0–100, whole; 100 when there is nothing to ingest. */
  percent: number;
  active: boolean;
}

export function ingestSummary(progress: IngestProgress): IngestSummary {
  const total = Math.max(0, progress.documents_total);
  const finished = Math.min(total, progress.documents_done + progress.documents_failed);
  return {
    finished,
    total,
    failed: progress.documents_failed,
    chunks: progress.chunks,
    percent: total === 0 ? 100 : Math.floor((finished / total) * 100),
    active: finished < total,
  };
}

export function statusTone(status: string): 'neutral' | 'info' | 'success' | 'danger' {
  switch (status) {
    case 'ready':
      return 'success';
    case 'failed':
      return 'danger';
    case 'processing':
      return 'info';
    default:
      return 'neutral';
  }
}

export function statusLabel(status: string): string {
  switch (status) {
    case 'queued':
      return 'Queued';
    case 'processing':
      return 'Processing';
    case 'ready':
      return 'Ready';
    case 'failed':
      return 'Failed';
    default:
      return status;
  }
}

/** Puts a freshly uploaded document into the list (newest first) without duplicating it. */
export function mergeDocument(documents: readonly Document[], doc: Document): Document[] {
  const at = documents.findIndex((d) => d.id === doc.id);
  if (at === -1) return [doc, ...documents];
  const copy = documents.slice();
  copy[at] = doc;
  return copy;
}

// The upload queue: one entry per chosen file, each its own request, at most a
// few in flight. Pure state so it can be tested without a browser.
import type { Document } from '../../api/types';

/** Files larger than this are refused by the server; refuse them before sending. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/** File types the server ingests (for the picker; the server has the last word). */
export const ACCEPTED_TYPES = '.txt,.text,.md,.markdown,.html,.htm,.pdf,.docx,.csv,text/plain,text/markdown,text/html,text/csv,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document';
export const MAX_PARALLEL_UPLOADS = 3;
/** The server's limit on a source URL (bytes). */
export const MAX_SOURCE_URL_BYTES = 2048;
/** What to say when the server (or the check below) refuses a source URL. */
export const SOURCE_URL_PROBLEM = 'Enter a full web address starting with https:// or http://, without spaces, up to 2048 characters.';

export type UploadStatus = 'waiting' | 'uploading' | 'done' | 'failed';

export interface UploadEntry {
  key: string;
  file: File;
  name: string;
  size: number;
  status: UploadStatus;
  loaded: number;
  total: number;
  error: string | null;
  document: Document | null;
  /** Sent with the file as `source_url`; blank when none. */
  sourceUrl: string;
}

export type UploadAction =
  | { type: 'add'; files: File[]; keys: string[]; sourceUrl?: string }
  | { type: 'start'; key: string }
  | { type: 'progress'; key: string; loaded: number; total: number }
  | { type: 'done'; key: string; document: Document | null; error: string | null }
  | { type: 'failed'; key: string; error: string }
  | { type: 'dismiss'; key: string }
  | { type: 'clear-finished' };

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/**
 * Why a source URL would be refused (the server's rule: blank, or an http(s) URL without
 * whitespace of at most 2048 bytes), or null when it may be sent.
 */
export function checkSourceUrl(value: string): string | null {
  const url = value.trim();
  if (url === '') return null;
  const web = /^https?:\/\//.test(url) && new TextEncoder().encode(url).length <= MAX_SOURCE_URL_BYTES;
  return web && !/\s/.test(url) ? null : SOURCE_URL_PROBLEM;
}

/** Why a file is refused before upload, or null when it may be sent. */
export function checkFile(file: Pick<File, 'size' | 'name'>): string | null {
  if (file.size > MAX_UPLOAD_BYTES) return `Too large (${formatBytes(file.size)}); files can be up to 20 MB.`;
  if (file.size === 0) return 'The file is empty.';
  return null;
}

export function uploadsReducer(state: UploadEntry[], action: UploadAction): UploadEntry[] {
  const update = (key: string, change: (e: UploadEntry) => UploadEntry) => state.map((e) => (e.key === key ? change(e) : e));
  switch (action.type) {
    case 'add':
      return [
        ...state,
        ...action.files.map((file, i): UploadEntry => {
          const problem = checkFile(file);
          return {
            key: action.keys[i] ?? `${file.name}-${i}`,
            file,
            name: file.name,
            size: file.size,
            status: problem ? 'failed' : 'waiting',
            loaded: 0,
            total: file.size,
            error: problem,
            document: null,
            sourceUrl: action.sourceUrl?.trim() ?? '',
          };
        }),
      ];
    case 'start':
      return update(action.key, (e) => (e.status === 'waiting' ? { ...e, status: 'uploading' } : e));
    case 'progress':
      return update(action.key, (e) =>
        e.status === 'uploading' ? { ...e, loaded: Math.min(action.loaded, action.total), total: action.total } : e,
      );
    case 'done':
      return update(action.key, (e) => ({
        ...e,
        status: action.document && !action.error ? 'done' : 'failed',
        loaded: e.total,
        document: action.document,
        error: action.document && !action.error ? null : (action.error ?? 'The server did not accept the file.'),
      }));
    case 'failed':
      return update(action.key, (e) => ({ ...e, status: 'failed', error: action.error }));
    case 'dismiss':
      return state.filter((e) => e.key !== action.key || e.status === 'uploading' || e.status === 'waiting');
    case 'clear-finished':
      return state.filter((e) => e.status === 'uploading' || e.status === 'waiting');
  }
}

/** Entries to start now so that no more than `limit` are in flight, in the order they were added. */
export function nextToStart(state: readonly UploadEntry[], limit: number = MAX_PARALLEL_UPLOADS): UploadEntry[] {
  const inFlight = state.filter((e) => e.status === 'uploading').length;
  const room = Math.max(0, limit - inFlight);
  return state.filter((e) => e.status === 'waiting').slice(0, room);
}

/** Percent (0–100, whole) of one entry's bytes sent. */
export function uploadPercent(entry: Pick<UploadEntry, 'loaded' | 'total' | 'status'>): number {
  if (entry.status === 'done') return 100;
  if (entry.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.floor((entry.loaded / entry.total) * 100)));
}

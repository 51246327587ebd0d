import { describe, expect, it } from 'vitest';
import { MAX_UPLOAD_BYTES, SOURCE_URL_PROBLEM, checkFile, checkSourceUrl, formatBytes, nextToStart, uploadPercent, uploadsReducer, type UploadEntry } from './uploads';

const file = (name: string, size: number) => ({ name, size }) as File;

function queue(...sizes: number[]): UploadEntry[] {
  const files = sizes.map((s, i) => file(`f${i}.md`, s));
  return uploadsReducer([], { type: 'add', files, keys: files.map((_, i) => `k${i}`) });
}

describe('upload queue', () => {
  it('adds one waiting entry per file, refusing too-large and empty files up front', () => {
    const state = queue(100, MAX_UPLOAD_BYTES + 1, 0);
    expect(state.map((e) => [e.key, e.status])).toEqual([
      ['k0', 'waiting'],
      ['k1', 'failed'],
      ['k2', 'failed'],
    ]);
    expect(state[1]!.error).toMatch(/up to 20 MB/);
    expect(state[2]!.error).toMatch(/empty/);
  });

  it('starts at most the limit, in order, and more as slots free up', () => {
    let state = queue(1, 2, 3, 4, 5);
    expect(nextToStart(state, 2).map((e) => e.key)).toEqual(['k0', 'k1']);
    for (const e of nextToStart(state, 2)) state = uploadsReducer(state, { type: 'start', key: e.key });
    expect(nextToStart(state, 2)).toEqual([]);
    state = uploadsReducer(state, { type: 'failed', key: 'k0', error: 'boom' });
    expect(nextToStart(state, 2).map((e) => e.key)).toEqual(['k2']);
  });

  it('tracks per-file progress and never goes past the total', () => {
    let state = queue(200);
    state = uploadsReducer(state, { type: 'start', key: 'k0' });
    state = uploadsReducer(state, { type: 'progress', key: 'k0', loaded: 50, total: 200 });
    expect(uploadPercent(state[0]!)).toBe(25);
    state = uploadsReducer(state, { type: 'progress', key: 'k0', loaded: 999, total: 200 });
    expect(state[0]!.loaded).toBe(200);
    expect(uploadPercent(state[0]!)).toBe(100);
  });

  it('ignores progress for entries that are not uploading', () => {
    const state = uploadsReducer(queue(200), { type: 'progress', key: 'k0', loaded: 100, total: 200 });
    expect(state[0]!.loaded).toBe(0);
  });

  it('marks a file the server refused as failed with its reason', () => {
    let state = uploadsReducer(queue(10, 10), { type: 'start', key: 'k0' });
    state = uploadsReducer(state, { type: 'done', key: 'k0', document: null, error: 'unsupported file type: exe' });
    expect(state[0]).toMatchObject({ status: 'failed', error: 'unsupported file type: exe' });
    expect(state[1]!.status).toBe('waiting');
  });

  it('dismisses and clears only finished entries', () => {
    let state = uploadsReducer(queue(10, 10, 10), { type: 'start', key: 'k0' });
    state = uploadsReducer(state, { type: 'failed', key: 'k1', error: 'x' });
    expect(uploadsReducer(state, { type: 'dismiss', key: 'k0' })).toHaveLength(3);
    expect(uploadsReducer(state, { type: 'dismiss', key: 'k1' }).map((e) => e.key)).toEqual(['k0', 'k2']);
    expect(uploadsReducer(state, { type: 'clear-finished' }).map((e) => e.key)).toEqual(['k0', 'k2']);
  });

  it('keeps the source URL of the upload on each of its files', () => {
    const files = [file('a.md', 1), file('b.md', 1)];
    const state = uploadsReducer([], { type: 'add', files, keys: ['a', 'b'], sourceUrl: ' https://example.com/help ' });
    expect(state.map((e) => e.sourceUrl)).toEqual(['https://example.com/help', 'https://example.com/help']);
    expect(queue(1)[0]!.sourceUrl).toBe('');
  });

  it('checks source URLs like the server does', () => {
    expect(checkSourceUrl('')).toBeNull();
    expect(checkSourceUrl('  ')).toBeNull();
    expect(checkSourceUrl(' https://example.com/help/returns ')).toBeNull();
    expect(checkSourceUrl('http://example.com')).toBeNull();
    expect(checkSourceUrl('example.com/help')).toBe(SOURCE_URL_PROBLEM);
    expect(checkSourceUrl('ftp://example.com')).toBe(SOURCE_URL_PROBLEM);
    expect(checkSourceUrl('https://example.com/a b')).toBe(SOURCE_URL_PROBLEM);
    expect(checkSourceUrl(`https://example.com/${'a'.repeat(2028)}`)).toBeNull();
    expect(checkSourceUrl(`https://example.com/${'a'.repeat(2029)}`)).toBe(SOURCE_URL_PROBLEM);
  });

  it('checks sizes and formats bytes', () => {
    expect(checkFile({ name: 'a', size: MAX_UPLOAD_BYTES })).toBeNull();
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(20 * 1024 * 1024)).toBe('20 MB');
  });
});

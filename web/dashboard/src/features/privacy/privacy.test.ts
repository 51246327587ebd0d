import { describe, expect, it } from 'vitest';
import { confirmationMatches, erasureSummary, fileNameFrom, formatBytes, looksLikeEmail, parseRetention, progressPercent, type Erasure } from './privacy';

const erasure = (over: Partial<Erasure>): Erasure => ({
  id: 'e',
  status: 'running',
  email_hash: 'abc',
  conversations_total: 4,
  conversations_done: 1,
  error: null,
  created_at: '2026-01-01T00:00:00Z',
  finished_at: null,
  ...over,
});

describe('privacy', () => {
  it('checks emails and typed confirmations', () => {
    expect(looksLikeEmail(' ada@example.com ')).toBe(true);
    expect(looksLikeEmail('ada')).toBe(false);
    expect(confirmationMatches('Ada@Example.com', ' ada@example.com ')).toBe(true);
    expect(confirmationMatches('ada@example.com', 'ada@example.co')).toBe(false);
    expect(confirmationMatches('', '')).toBe(false);
  });

  it('says how far an erasure got', () => {
    expect(progressPercent(erasure({}))).toBe(25);
    expect(progressPercent(erasure({ status: 'queued', conversations_done: 0 }))).toBe(0);
    expect(progressPercent(erasure({ status: 'done' }))).toBe(100);
    expect(erasureSummary(erasure({}))).toBe('Erasing: 1 of 4 conversations');
    expect(erasureSummary(erasure({ status: 'done', conversations_total: 1 }))).toBe('Done: 1 conversation erased');
    expect(erasureSummary(erasure({ status: 'failed', error: 'database busy' }))).toMatch(/Failed after 1 of 4.*database busy/);
  });

  it('reads the retention setting like the server', () => {
    expect(parseRetention(false, 'anything')).toEqual({ days: null });
    expect(parseRetention(true, ' 30 ')).toEqual({ days: 30 });
    expect(parseRetention(true, '0')).toHaveProperty('error');
    expect(parseRetention(true, '4000')).toHaveProperty('error');
    expect(parseRetention(true, '1.5')).toHaveProperty('error');
  });

  it('names the download and its size', () => {
    expect(fileNameFrom('attachment; filename="parley-export-1a2b.zip"')).toBe('parley-export-1a2b.zip');
    expect(fileNameFrom(null)).toBe('parley-export.zip');
    expect(formatBytes(2048)).toBe('2.0 KB');
  });
});

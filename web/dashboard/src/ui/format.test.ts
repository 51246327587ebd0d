import { describe, expect, it } from 'vitest';
import { formatDate, formatRelative } from './format';

describe('format', () => {
  const now = Date.parse('2025-06-15T12:00:00Z');

  it('describes recent times relatively', () => {
    expect(formatRelative('2025-06-15T11:59:50Z', now)).toBe('just now');
    expect(formatRelative('2025-06-15T11:55:00Z', now)).toBe('5 minutes ago');
    expect(formatRelative('2025-06-15T11:00:00Z', now)).toBe('1 hour ago');
    expect(formatRelative('2025-06-12T12:00:00Z', now)).toBe('3 days ago');
    expect(formatRelative(null, now)).toBe('Never');
  });

  it('falls back to the date for old or unreadable values', () => {
    expect(formatRelative('2025-01-01T00:00:00Z', now)).toBe(formatDate('2025-01-01T00:00:00Z'));
    expect(formatDate('not a date')).toBe('not a date');
    expect(formatDate(null)).toBe('—');
  });
});

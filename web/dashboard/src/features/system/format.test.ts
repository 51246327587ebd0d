import { describe, expect, it } from 'vitest';
import { formatAge, formatBytes, formatErrors } from './format';

describe('system formats', () => {
  it('reads bytes, ages and error rates in plain words', () => {
    expect(formatBytes(null)).toBe('—');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MB');
    expect(formatAge(0)).toBe('none');
    expect(formatAge(42)).toBe('42 s');
    expect(formatAge(725)).toBe('12 min');
    expect(formatAge(3 * 3600 + 300)).toBe('3 h 5 min');
    expect(formatErrors(0, 0)).toBe('0');
    expect(formatErrors(1, 4)).toBe('1 (25%)');
  });
});

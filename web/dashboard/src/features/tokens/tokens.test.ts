import { describe, expect, it } from 'vitest';
import type { ApiToken } from '../../api/types';
import { sortTokens, tokenStatus } from './tokens';

const token = (name: string, created_at: string, revoked_at: string | null = null): ApiToken => ({
  id: name,
  name,
  prefix: `pk_${name}`,
  role: 'admin',
  created_at,
  last_used_at: null,
  revoked_at,
});

describe('tokens', () => {
  it('is revoked exactly when revoked_at is set', () => {
    expect(tokenStatus(token('a', '2025-01-01T00:00:00Z'))).toBe('active');
    expect(tokenStatus(token('a', '2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'))).toBe('revoked');
  });

  it('lists active tokens first, newest first', () => {
    const list = [
      token('old', '2025-01-01T00:00:00Z'),
      token('revoked-new', '2025-03-01T00:00:00Z', '2025-03-02T00:00:00Z'),
      token('new', '2025-02-01T00:00:00Z'),
      token('revoked-old', '2024-12-01T00:00:00Z', '2025-01-02T00:00:00Z'),
    ];
    expect(sortTokens(list).map((t) => t.name)).toEqual(['new', 'old', 'revoked-new', 'revoked-old']);
    expect(list[0]!.name).toBe('old'); // input untouched
  });
});

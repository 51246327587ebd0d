import { describe, expect, it } from 'vitest';
import { assignableRoles, canChange, looksLikeEmail, passwordProblems, sortMembers, tokenFrom, type Member } from './members';

const member = (over: Partial<Member>): Member => ({
  user_id: 'u',
  email: 'a@example.org',
  name: 'A',
  role: 'agent',
  status: 'active',
  joined_at: '2026-01-01T00:00:00Z',
  last_active_at: null,
  ...over,
});

describe('members', () => {
  it('lets only owners make owners and agents assign nothing', () => {
    expect(assignableRoles('owner')).toEqual(['owner', 'admin', 'agent']);
    expect(assignableRoles('admin')).toEqual(['admin', 'agent']);
    expect(assignableRoles('agent')).toEqual([]);
  });

  it('never lets a person change themselves, nor an admin an owner', () => {
    expect(canChange('owner', 'me', member({ user_id: 'me', role: 'owner' }))).toBe(false);
    expect(canChange('admin', 'me', member({ user_id: 'x', role: 'owner' }))).toBe(false);
    expect(canChange('admin', 'me', member({ user_id: 'x', role: 'agent' }))).toBe(true);
    expect(canChange('agent', 'me', member({ user_id: 'x', role: 'agent' }))).toBe(false);
  });

  it('sorts active members by name before deactivated ones', () => {
    const sorted = sortMembers([
      member({ user_id: '1', name: 'Zed', status: 'deactivated' }),
      member({ user_id: '2', name: 'Bea' }),
      member({ user_id: '3', name: '', email: 'al@example.org' }),
    ]);
    expect(sorted.map((m) => m.user_id)).toEqual(['3', '2', '1']);
  });

  it('checks a password pair like the server', () => {
    expect(passwordProblems('short', 'short').password).toMatch(/10/);
    expect(passwordProblems('long enough pass', 'other one')).toEqual({ confirm: 'The passwords do not match' });
    expect(passwordProblems('long enough pass', 'long enough pass')).toEqual({});
  });

  it('reads the token and checks emails', () => {
    expect(tokenFrom(new URLSearchParams('token=%20abc%20'))).toBe('abc');
    expect(tokenFrom(new URLSearchParams(''))).toBe('');
    expect(looksLikeEmail(' a@b.org ')).toBe(true);
    expect(looksLikeEmail('nope')).toBe(false);
  });
});

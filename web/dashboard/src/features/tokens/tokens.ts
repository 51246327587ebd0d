import type { ApiToken } from '../../api/types';

export function tokenStatus(token: Pick<ApiToken, 'revoked_at'>): 'active' | 'revoked' {
  return token.revoked_at == null ? 'active' : 'revoked';
}

/** Active tokens first, then newest first within each group. */
export function sortTokens(tokens: readonly ApiToken[]): ApiToken[] {
  return [...tokens].sort((a, b) => {
    const byStatus = Number(tokenStatus(a) === 'revoked') - Number(tokenStatus(b) === 'revoked');
    if (byStatus !== 0) return byStatus;
    return Date.parse(b.created_at) - Date.parse(a.created_at);
  });
}

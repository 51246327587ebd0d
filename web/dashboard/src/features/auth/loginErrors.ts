import { ApiError, errorMessage } from '../../api/errors';

export const INVALID_CREDENTIALS = 'Email or password is incorrect';

export function tooManyAttemptsMessage(seconds: number | null): string {
  if (seconds == null) return 'Too many attempts, try again later';
  return `Too many attempts, try again in ${seconds} second${seconds === 1 ? '' : 's'}`;
}

/** The banner text for a failed login. */
export function loginErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return INVALID_CREDENTIALS;
    if (error.status === 429) return tooManyAttemptsMessage(error.retryAfter);
  }
  return errorMessage(error);
}

/** Where to go after login: the `next` path if it is an in-app path, else Bots. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/bots';
  return next;
}

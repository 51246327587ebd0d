import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { loginErrorMessage, safeNext, tooManyAttemptsMessage } from './loginErrors';

describe('loginErrorMessage', () => {
  it('says the credentials are wrong on 401, whatever the server wrote', () => {
    const e = new ApiError({ status: 401, code: 'invalid_credentials', message: 'invalid credentials' });
    expect(loginErrorMessage(e)).toBe('Email or password is incorrect');
  });

  it('gives the wait from Retry-After on 429', () => {
    expect(loginErrorMessage(new ApiError({ status: 429, code: 'too_many_attempts', message: 'x', retryAfter: 42 }))).toBe(
      'Too many attempts, try again in 42 seconds',
    );
    expect(tooManyAttemptsMessage(1)).toBe('Too many attempts, try again in 1 second');
    expect(loginErrorMessage(new ApiError({ status: 429, code: 'too_many_attempts', message: 'x' }))).toBe(
      'Too many attempts, try again later',
    );
  });

  it("shows the server's message otherwise", () => {
    expect(loginErrorMessage(new ApiError({ status: 503, code: 'not_ready', message: 'Starting up' }))).toBe('Starting up');
  });
});

describe('safeNext', () => {
  it('only follows in-app paths', () => {
    expect(safeNext('/bots/1')).toBe('/bots/1');
    expect(safeNext(null)).toBe('/bots');
    expect(safeNext('https://evil.example')).toBe('/bots');
    expect(safeNext('//evil.example')).toBe('/bots');
    expect(safeNext('/login')).toBe('/bots');
  });
});

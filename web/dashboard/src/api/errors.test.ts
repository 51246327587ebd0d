import { describe, expect, it } from 'vitest';
import { ApiError, errorFromResponse, parseRetryAfter } from './errors';

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120')).toBe(120);
    expect(parseRetryAfter(' 5 ')).toBe(5);
    expect(parseRetryAfter('0')).toBe(0);
  });

  it('reads an HTTP-date relative to now, rounding up, never negative', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now + 29_500)).toBe(1);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
  });

  it('returns null when absent or unreadable', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter('-3')).toBeNull();
  });
});

describe('errorFromResponse', () => {
  it('keeps only string fields, joining arrays of messages', () => {
    const res = new Response(null, { status: 400 });
    const err = errorFromResponse(res, {
      error: { code: 'bad_request', message: 'Bad input', fields: { a: 'x', b: ['one', 'two'], c: 3 } },
    });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.fields).toEqual({ a: 'x', b: 'one; two' });
  });

  it('ignores bodies that only look a bit like errors', () => {
    const res = new Response(null, { status: 404 });
    expect(errorFromResponse(res, { error: 'nope' }).message).toBe('Not found.');
    expect(errorFromResponse(res, undefined).code).toBe('http_404');
    expect(errorFromResponse(new Response(null, { status: 418 }), 'teapot').message).toBe('Request failed with status 418.');
  });
});

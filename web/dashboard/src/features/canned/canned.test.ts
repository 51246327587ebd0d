import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { cannedInput, insertAt, normalizeShortcut, savingErrors, sortReplies, validateCanned } from './canned';

describe('shortcuts', () => {
  it('are kept as the server keeps them: no leading slash, lower case, trimmed', () => {
    expect(normalizeShortcut('  /Shipping ')).toBe('shipping');
    expect(normalizeShortcut('refund-policy_2')).toBe('refund-policy_2');
    expect(cannedInput({ shortcut: '/Hi', body: '  Hello {{visitor.name}}!  ' })).toEqual({ shortcut: 'hi', body: 'Hello {{visitor.name}}!' });
  });

  it('are letters, digits, - and _, 1 to 32 of them', () => {
    const error = (shortcut: string) => validateCanned({ shortcut, body: 'x' }).shortcut;
    expect(error('')).toBe('Enter a shortcut, e.g. shipping');
    expect(error('/')).toBe('Enter a shortcut, e.g. shipping');
    expect(error('two words')).toBe('Use letters, digits, - and _ only (no spaces)');
    expect(error('a.b')).toBeDefined();
    expect(error('x'.repeat(33))).toBe('At most 32 characters');
    expect(error('x'.repeat(32))).toBeUndefined();
    expect(error('rückgabe')).toBeUndefined();
  });
});

describe('bodies', () => {
  it('are 1 to 2000 characters', () => {
    expect(validateCanned({ shortcut: 'a', body: '   ' }).body).toBe('Enter the reply');
    expect(validateCanned({ shortcut: 'a', body: 'y'.repeat(2001) }).body).toBe('At most 2,000 characters');
    expect(validateCanned({ shortcut: 'a', body: 'y'.repeat(2000) })).toEqual({});
  });
});

describe('refused saves', () => {
  it('show a taken shortcut on the shortcut', () => {
    const conflict = new ApiError({ status: 409, code: 'conflict', message: 'conflict' });
    expect(savingErrors(conflict, { shortcut: '/Shipping', body: 'x' })).toEqual({
      errors: { shortcut: '/shipping is taken: pick another shortcut, or edit that reply.' },
      message: null,
    });
  });

  it('put 422 fields on their fields, and keep the rest for the form', () => {
    const invalid = new ApiError({ status: 422, code: 'invalid', message: 'Some values are not valid', fields: { body: 'too long', other: 'odd' } });
    expect(savingErrors(invalid, { shortcut: 'a', body: 'x' })).toEqual({ errors: { body: 'too long' }, message: 'Some values are not valid other: odd' });
  });

  it('say anything else for the whole form', () => {
    const forbidden = new ApiError({ status: 403, code: 'forbidden', message: 'You do not have permission to do this.' });
    expect(savingErrors(forbidden, { shortcut: 'a', body: 'x' })).toEqual({ errors: {}, message: 'You do not have permission to do this.' });
  });
});

describe('inserting a placeholder', () => {
  it('replaces the selection and puts the cursor after the placeholder', () => {
    expect(insertAt('Hi !', 3, 3, '{{visitor.name}}')).toEqual({ text: 'Hi {{visitor.name}}!', cursor: 19 });
    expect(insertAt('Hi NAME!', 3, 7, '{{visitor.name}}')).toEqual({ text: 'Hi {{visitor.name}}!', cursor: 19 });
  });

  it('keeps a stale selection inside the text', () => {
    expect(insertAt('Hi', 10, 12, '!')).toEqual({ text: 'Hi!', cursor: 3 });
  });
});

describe('the list', () => {
  it('is sorted by shortcut', () => {
    const r = (shortcut: string) => ({ id: shortcut, shortcut, body: 'b', created_at: '2025-01-01T00:00:00Z' });
    expect(sortReplies([r('refund'), r('hi'), r('shipping')]).map((x) => x.shortcut)).toEqual(['hi', 'refund', 'shipping']);
  });
});

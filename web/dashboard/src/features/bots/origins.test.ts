import { describe, expect, it } from 'vitest';
import { originError, originsTextError, originsToText, textToOrigins } from './origins';

describe('textToOrigins', () => {
  it('reads one origin per line, trimming and skipping blank lines', () => {
    expect(textToOrigins('  https://a.example.com \n\n\thttp://localhost:3000\n')).toEqual([
      'https://a.example.com',
      'http://localhost:3000',
    ]);
  });

  it('treats an empty box as an empty list (any origin)', () => {
    expect(textToOrigins('')).toEqual([]);
    expect(textToOrigins(' \n \n')).toEqual([]);
  });

  it('also splits on commas and spaces, as pasted lists often use them', () => {
    expect(textToOrigins('https://a.com, https://b.com https://c.com')).toEqual(['https://a.com', 'https://b.com', 'https://c.com']);
  });

  it('drops trailing slashes, lower-cases scheme and host, and removes duplicates', () => {
    expect(textToOrigins('HTTPS://Shop.Example.com/\nhttps://shop.example.com\nhttps://other.com//')).toEqual([
      'https://shop.example.com',
      'https://other.com',
    ]);
  });
});

describe('originsToText', () => {
  it('writes one per line and round-trips through textToOrigins', () => {
    const list = ['https://a.example.com', 'http://localhost:8080'];
    expect(originsToText(list)).toBe('https://a.example.com\nhttp://localhost:8080');
    expect(textToOrigins(originsToText(list))).toEqual(list);
    expect(originsToText([])).toBe('');
  });
});

describe('originError', () => {
  it('accepts http(s) origins with optional port', () => {
    for (const ok of ['https://example.com', 'http://localhost:3000', 'https://a-b.c.example.co.uk', 'http://[::1]:8080', 'http://127.0.0.1']) {
      expect(originError(ok), ok).toBeNull();
    }
  });

  it('rejects paths, other schemes, bad ports and bad hosts', () => {
    expect(originError('example.com')).toMatch(/http:\/\/ or https:\/\//);
    expect(originError('ftp://example.com')).toMatch(/http:\/\/ or https:\/\//);
    expect(originError('https://example.com/shop')).toMatch(/origin only/);
    expect(originError('https://example.com?x=1')).toMatch(/origin only/);
    expect(originError('https://example.com:99999')).toMatch(/port/);
    expect(originError('https://example.com:')).toMatch(/port/);
    expect(originError('https://exa_mple.com')).toMatch(/host/);
    expect(originError('https://-bad.com')).toMatch(/host/);
  });

  it('reports the first bad line of a text box', () => {
    expect(originsTextError('https://ok.com\nnot-an-origin\nftp://x')).toBe('"not-an-origin" must start with http:// or https://');
    expect(originsTextError('https://ok.com\n')).toBeNull();
    expect(originsTextError('')).toBeNull();
  });
});

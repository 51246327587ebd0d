import { describe, expect, it } from 'vitest';
import { matchPath, stripBase, toHref } from './router';

describe('router paths', () => {
  it('strips and adds the /app base', () => {
    expect(stripBase('/app/bots/1', '/app')).toBe('/bots/1');
    expect(stripBase('/app', '/app')).toBe('/');
    expect(stripBase('/app/', '/app')).toBe('/');
    expect(stripBase('/application', '/app')).toBe('/application');
    expect(toHref('/bots', '/app')).toBe('/app/bots');
    expect(toHref('tokens', '/app')).toBe('/app/tokens');
  });

  it('uses the Vite base by default', () => {
    expect(toHref('/login')).toBe('/app/login');
    expect(stripBase('/app/login')).toBe('/login');
  });

  it('matches patterns with parameters', () => {
    expect(matchPath('/bots/:id', '/bots/0190-ab')).toEqual({ id: '0190-ab' });
    expect(matchPath('/bots/:id', '/bots/a%20b/')).toEqual({ id: 'a b' });
    expect(matchPath('/bots', '/bots/')).toEqual({});
    expect(matchPath('/bots/:id', '/bots')).toBeNull();
    expect(matchPath('/bots/:id', '/bots/1/extra')).toBeNull();
    expect(matchPath('/bots/:id', '/tokens/1')).toBeNull();
    expect(matchPath('/bots/:id', '/bots/%E0%A4%A')).toBeNull();
  });
});

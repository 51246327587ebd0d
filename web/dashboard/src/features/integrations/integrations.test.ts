import { describe, expect, it } from 'vitest';
import type { Provider } from './contract';
import { checkApp, checkToken, expiry, parseReturn, receiptEntries, spreadsheetId, stateBadge, stateSentence, withoutReturn } from './integrations';

const NOW = Date.parse('2026-11-20T12:00:00Z');

function provider(over: Partial<Provider> = {}): Provider {
  return {
    provider: 'slack',
    name: 'Slack',
    state: 'disconnected',
    oauth_configured: true,
    app_source: 'settings',
    client_id: '123.456',
    callback_url: 'https://parley.example/api/v1/integrations/slack/callback',
    accepts_token: true,
    method: null,
    account: null,
    scopes: [],
    expires_at: null,
    connected_at: null,
    last_success_at: null,
    last_error: null,
    last_error_at: null,
    ...over,
  };
}

describe('stateBadge', () => {
  it('names the account a connection reached', () => {
    expect(stateBadge(provider({ state: 'connected', account: { id: 'T1', name: 'Acme' } }))).toEqual({ label: 'Connected as Acme', tone: 'success' });
    expect(stateBadge(provider({ state: 'needs_reconnect' }))).toEqual({ label: 'Needs reconnect', tone: 'warning' });
    expect(stateBadge(provider({ state: 'error' })).tone).toBe('danger');
    expect(stateBadge(provider({ state: 'not_configured' })).label).toBe('Not configured');
    expect(stateBadge(provider({ state: 'disconnected' })).label).toBe('Not connected');
  });
});

describe('stateSentence', () => {
  it('tells a manager which settings to set, and that a token can be pasted where it can', () => {
    const slack = provider({ state: 'not_configured', oauth_configured: false, app_source: null, client_id: null });
    expect(stateSentence(slack, true)).toBe(
      'Set PARLEY_SLACK_CLIENT_ID and PARLEY_SLACK_CLIENT_SECRET, or enter your Slack app’s credentials below. Or paste a bot token instead.',
    );
    const google = { ...slack, provider: 'google' as const, name: 'Google Sheets', accepts_token: false };
    expect(stateSentence(google, true)).toBe('Set PARLEY_GOOGLE_CLIENT_ID and PARLEY_GOOGLE_CLIENT_SECRET, or enter your Google OAuth client’s credentials below.');
  });

  it('sends agents to an admin', () => {
    expect(stateSentence(provider({ state: 'not_configured' }), false)).toBe('Slack is not set up. Ask an owner or admin to connect Slack.');
    expect(stateSentence(provider({ state: 'needs_reconnect' }), false)).toMatch(/Ask an owner or admin to reconnect Slack\.$/);
  });

  it('says how to resume a dead grant: reconnect, or a new token without an OAuth app', () => {
    expect(stateSentence(provider({ state: 'needs_reconnect' }), true)).toMatch(/Reconnect to resume them\.$/);
    expect(stateSentence(provider({ state: 'needs_reconnect', oauth_configured: false }), true)).toMatch(/Paste a new bot token below/);
  });
});

describe('expiry', () => {
  it('says when access runs out, and that OAuth renews it', () => {
    const hours = (h: number) => NOW + h * 3600_000;
    expect(expiry(provider({ expires_at: null }), NOW)).toBe('Does not expire');
    expect(expiry(provider({ state: 'connected', method: 'oauth', expires_at: hours(11) }), NOW)).toBe('in 11 hours, renewed before then');
    expect(expiry(provider({ state: 'connected', method: 'token', expires_at: hours(72) }), NOW)).toBe('in 3 days');
    expect(expiry(provider({ state: 'needs_reconnect', method: 'oauth', expires_at: hours(-2) }), NOW)).toBe('Expired 2 hours ago');
    expect(expiry(provider({ expires_at: NOW + 30_000 }), NOW)).toBe('in a minute');
  });
});

describe('parseReturn', () => {
  it('reads the callback’s success and error, ignoring unknown providers', () => {
    expect(parseReturn(new URLSearchParams('connected=slack'))).toEqual({ connected: 'slack' });
    expect(parseReturn(new URLSearchParams('provider=google&error=The+user+cancelled'))).toEqual({ provider: 'google', error: 'The user cancelled' });
    expect(parseReturn(new URLSearchParams('provider=google&error='))).toEqual({ provider: 'google', error: 'google did not connect.' });
    expect(parseReturn(new URLSearchParams('connected=myspace'))).toBeNull();
    expect(parseReturn(new URLSearchParams('provider=slack'))).toBeNull();
    expect(parseReturn(new URLSearchParams(''))).toBeNull();
  });

  it('cleans the address of the callback’s keys only', () => {
    expect(withoutReturn(new URLSearchParams('connected=slack'))).toBe('');
    expect(withoutReturn(new URLSearchParams('provider=slack&error=x&tab=2'))).toBe('?tab=2');
  });
});

describe('checkToken', () => {
  it('catches the obvious mistakes before asking the vendor', () => {
    expect(checkToken('slack', '  ')).toBe('Paste the bot token');
    expect(checkToken('hubspot', '')).toBe('Paste the key');
    expect(checkToken('slack', 'xoxp-123')).toMatch(/user token/);
    expect(checkToken('slack', 'abc')).toBe('A Slack bot token starts with xoxb-');
    expect(checkToken('slack', 'xoxb-1 2')).toMatch(/no spaces/);
    expect(checkToken('slack', ' xoxb-1-2-abc ')).toBeNull();
    expect(checkToken('slack', 'xoxe.xoxb-1-abc')).toBeNull();
    expect(checkToken('hubspot', 'pat-na1-123')).toBeNull();
  });
});

describe('checkApp', () => {
  it('asks for both the client id and the secret', () => {
    expect(checkApp({ client_id: ' ', client_secret: '' })).toEqual({ client_id: 'Enter the client ID', client_secret: 'Enter the client secret' });
    expect(checkApp({ client_id: '1.2', client_secret: 's' })).toEqual({});
  });
});

describe('spreadsheetId', () => {
  it('takes the id from a pasted address, or the id as it is', () => {
    expect(spreadsheetId('https://docs.google.com/spreadsheets/d/1AbC-d_9/edit#gid=0')).toBe('1AbC-d_9');
    expect(spreadsheetId('  1AbC-d_9 ')).toBe('1AbC-d_9');
  });
});

describe('receiptEntries', () => {
  it('shows strings as they are, other values as JSON, and leaves out empty ones', () => {
    expect(receiptEntries({ ts: '1765.0001', channel: 'C1', ids: [1, 2], none: null })).toEqual([
      ['ts', '1765.0001'],
      ['channel', 'C1'],
      ['ids', '[1,2]'],
    ]);
  });
});

// The integrations page's rules in plain words: what each state is called, what to do
// next, where each vendor wants the callback URL, times said as people say them, tokens
// checked for the obvious mistakes before the vendor is asked, and the address the OAuth
// callback comes back to. Pure, so it is tested without rendering.
import type { BadgeTone } from '../../ui/Badge';
import { formatDateTime, formatRelative } from '../../ui/format';
import type { Provider, ProviderId } from './contract';

/** What differs per vendor on the page. */
export interface VendorCopy {
  /** For messages shown before the list has loaded (the list names providers itself). */
  name: string;
  /** What workflows use the connection for. */
  purpose: string;
  /** The settings the operator sets (`PARLEY_SLACK_CLIENT_ID`, `..._SECRET`). */
  envId: string;
  envSecret: string;
  /** "your Slack app" */
  app: string;
  /** Where to make an OAuth app when there is none. */
  createApp: string;
  /** One line under the callback URL: where it goes in the vendor's settings. */
  redirectHint: string;
  /** The pasted credential, where the vendor accepts one. */
  token?: { label: string; hint: string; placeholder: string };
  /** The account a connection reaches, e.g. "workspace" for Slack. */
  accountKind: string;
}

export const VENDORS: Record<ProviderId, VendorCopy> = {
  slack: {
    name: 'Slack',
    purpose: 'Workflows post messages to a channel or to a person.',
    envId: 'PARLEY_SLACK_CLIENT_ID',
    envSecret: 'PARLEY_SLACK_CLIENT_SECRET',
    app: 'your Slack app',
    createApp: 'Create a Slack app at api.slack.com/apps, with the bot scopes chat:write, chat:write.public and channels:read',
    redirectHint: 'Paste this into your Slack app’s Redirect URLs (OAuth & Permissions, at api.slack.com/apps).',
    token: {
      label: 'Bot token',
      hint: 'Your Slack app’s Bot User OAuth Token (OAuth & Permissions). It starts with xoxb-. Slack checks it before it is saved.',
      placeholder: 'xoxb-…',
    },
    accountKind: 'Slack workspace',
  },
  hubspot: {
    name: 'HubSpot',
    purpose: 'Workflows create and update contacts and deals from your leads.',
    envId: 'PARLEY_HUBSPOT_CLIENT_ID',
    envSecret: 'PARLEY_HUBSPOT_CLIENT_SECRET',
    app: 'your HubSpot app',
    createApp: 'Create an app in your HubSpot developer account, with the CRM contacts and deals scopes',
    redirectHint: 'Paste this into your HubSpot app’s Redirect URLs (the app’s Auth settings).',
    token: {
      label: 'Service key',
      hint: 'A HubSpot service key with access to contacts and deals. HubSpot checks it before it is saved.',
      placeholder: 'Paste the key',
    },
    accountKind: 'HubSpot portal',
  },
  google: {
    name: 'Google Sheets',
    purpose: 'Workflows append rows to a spreadsheet and look values up in one.',
    envId: 'PARLEY_GOOGLE_CLIENT_ID',
    envSecret: 'PARLEY_GOOGLE_CLIENT_SECRET',
    app: 'your Google OAuth client',
    createApp: 'Create an OAuth client (Web application) in the Google Cloud console and enable the Google Sheets API',
    redirectHint: 'Paste this into your OAuth client’s Authorized redirect URIs (Google Cloud console, APIs & Services, Credentials).',
    accountKind: 'Google account',
  },
};

/** The card's badge: "Connected as Acme", "Needs reconnect", ... */
export function stateBadge(p: Provider): { label: string; tone: BadgeTone } {
  switch (p.state) {
    case 'connected':
      return { label: p.account ? `Connected as ${p.account.name}` : 'Connected', tone: 'success' };
    case 'needs_reconnect':
      return { label: 'Needs reconnect', tone: 'warning' };
    case 'error':
      return { label: 'Error', tone: 'danger' };
    case 'disconnected':
      return { label: 'Not connected', tone: 'neutral' };
    case 'not_configured':
      return { label: 'Not configured', tone: 'neutral' };
  }
}

/** Whether a connection exists (tokens are kept), whatever its health. */
export function hasConnection(p: Provider): boolean {
  return p.state === 'connected' || p.state === 'needs_reconnect' || p.state === 'error';
}

/** What the card says under its title: the state in a sentence, and what to do next. */
export function stateSentence(p: Provider, manage: boolean): string {
  const v = VENDORS[p.provider];
  const ask = `Ask an owner or admin to connect ${p.name}.`;
  switch (p.state) {
    case 'not_configured': {
      if (!manage) return `${p.name} is not set up. ${ask}`;
      const paste = v.token ? ` Or paste a ${v.token.label.toLowerCase()} instead.` : '';
      return `Set ${v.envId} and ${v.envSecret}, or enter ${v.app}’s credentials below.${paste}`;
    }
    case 'disconnected':
      return manage ? `Not connected. Connect to let workflows use ${p.name}.` : `Not connected. ${ask}`;
    case 'connected':
      return p.method === 'token'
        ? `Connected with a pasted ${v.token?.label.toLowerCase() ?? 'token'}.`
        : 'Connected through OAuth. Parley renews its access by itself.';
    case 'needs_reconnect': {
      const how = !manage
        ? `Ask an owner or admin to reconnect ${p.name}.`
        : p.oauth_configured
          ? 'Reconnect to resume them.'
          : `Paste a new ${v.token?.label.toLowerCase() ?? 'token'} below to resume them.`;
      return `${p.name} no longer accepts Parley’s access, so workflow steps that use it fail. ${how}`;
    }
    case 'error':
      return `The last call to ${p.name} failed. Parley keeps trying; send a test to check the connection.`;
  }
}

/** "5 minutes ago"; the full date goes in the title. */
export function ago(ms: number | null, now: number = Date.now()): string {
  if (ms === null) return 'Never';
  return formatRelative(new Date(ms).toISOString(), now);
}

/** "Mar 4, 2026, 10:05" for a time in ms. */
export function exactTime(ms: number | null): string {
  return ms === null ? '—' : formatDateTime(new Date(ms).toISOString());
}

/** When the access runs out, in words: "in 11 hours", "expired 2 hours ago", or that it does not. */
export function expiry(p: Provider, now: number = Date.now()): string {
  if (p.expires_at === null) return 'Does not expire';
  const seconds = Math.round((p.expires_at - now) / 1000);
  const renews = p.method === 'oauth' && p.state === 'connected' ? ', renewed before then' : '';
  if (seconds <= 0) return `Expired ${formatRelative(new Date(p.expires_at).toISOString(), now)}`;
  return `${inWords(seconds)}${renews}`;
}

function inWords(seconds: number): string {
  const plural = (n: number, unit: string) => `in ${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 90) return 'in a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.round(minutes / 60);
  if (hours < 48) return plural(hours, 'hour');
  return plural(Math.round(hours / 24), 'day');
}

/**
 * What came back from the vendor's OAuth screens (the server's callback redirects to
 * `/integrations?connected=slack` or `?provider=slack&error=...`), or null when the address
 * holds neither. An unknown provider is ignored.
 */
export type OAuthReturn = { connected: ProviderId } | { provider: ProviderId; error: string };

export function parseReturn(search: URLSearchParams): OAuthReturn | null {
  const connected = search.get('connected');
  if (connected !== null) return isProvider(connected) ? { connected } : null;
  const provider = search.get('provider');
  const error = search.get('error');
  if (provider !== null && error !== null && isProvider(provider)) {
    return { provider, error: error.trim() || `${provider} did not connect.` };
  }
  return null;
}

export function isProvider(value: string): value is ProviderId {
  return value === 'slack' || value === 'hubspot' || value === 'google';
}

/** The query with the callback's keys taken out, for cleaning the address after reading them. */
export function withoutReturn(search: URLSearchParams): string {
  const rest = new URLSearchParams(search);
  for (const key of ['connected', 'provider', 'error']) rest.delete(key);
  const text = rest.toString();
  return text ? `?${text}` : '';
}

/** Obvious mistakes in a pasted token, said before the vendor is asked; null when it may be right. */
export function checkToken(provider: ProviderId, raw: string): string | null {
  const token = raw.trim();
  if (token === '') return provider === 'slack' ? 'Paste the bot token' : 'Paste the key';
  if (/\s/.test(token)) return 'A token has no spaces: paste it again, without the text around it';
  if (provider === 'slack') {
    if (token.startsWith('xoxp-')) return 'That is a user token (xoxp-). Paste the bot token, which starts with xoxb-';
    if (!/^(xoxe\.)?xoxb-/.test(token)) return 'A Slack bot token starts with xoxb-';
  }
  return null;
}

/** The OAuth app form's problems, by field. */
export function checkApp(input: { client_id: string; client_secret: string }): { client_id?: string; client_secret?: string } {
  const errors: { client_id?: string; client_secret?: string } = {};
  if (input.client_id.trim() === '') errors.client_id = 'Enter the client ID';
  if (input.client_secret.trim() === '') errors.client_secret = 'Enter the client secret';
  return errors;
}

/**
 * A spreadsheet's id from what was pasted: the id itself, or the sheet's address
 * (`https://docs.google.com/spreadsheets/d/<id>/edit#gid=0`).
 */
export function spreadsheetId(raw: string): string {
  const text = raw.trim();
  const inUrl = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(text);
  return inUrl?.[1] ?? text;
}

/** A receipt's fields as label and text, nested values written as JSON. */
export function receiptEntries(receipt: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(receipt)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]);
}

/**
 * Sends the browser to another site: the vendor's consent screen, which comes back to the
 * server's callback. An object, so a test can watch `to` instead of leaving its page.
 */
export const leavePage = {
  to(url: string): void {
    window.location.assign(url);
  },
};

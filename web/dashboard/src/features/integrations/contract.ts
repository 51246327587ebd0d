// Issue 29's integrations API (/work/shared-contract-29.md), written out by hand until the
// server's routes land and `make openapi` regenerates src/api/schema.d.ts. Everything the
// integrations page needs from the API is in this one file, so switching to the generated
// types is one edit.

/** The three vendors a workspace can connect. */
export type ProviderId = 'slack' | 'hubspot' | 'google';

/**
 * `not_configured`: no connection and no OAuth app (only pasting a token is possible, where
 * the provider accepts one). `disconnected`: an OAuth app is set, nothing is connected.
 * `needs_reconnect`: the vendor refused the grant (revoked, expired refresh token); the
 * connection stays, its actions fail until someone connects again.
 */
export type ProviderState = 'not_configured' | 'disconnected' | 'connected' | 'needs_reconnect' | 'error';

/** How the connection was made: the OAuth dance, or a token pasted in. */
export type ConnectionMethod = 'oauth' | 'token';

/** Where the OAuth app's client id and secret come from: the operator's settings or this workspace. */
export type AppSource = 'settings' | 'workspace';

/** One provider as GET /api/v1/integrations lists it. Times are ms since the epoch. */
export interface Provider {
  provider: ProviderId;
  name: string;
  state: ProviderState;
  /** An OAuth client id and secret are set (in the settings or for this workspace). */
  oauth_configured: boolean;
  app_source: AppSource | null;
  /** Never the secret. */
  client_id: string | null;
  /** What the operator pastes into the vendor's app settings. */
  callback_url: string;
  /** Slack (bot token) and HubSpot (service key): true; Google: false. */
  accepts_token: boolean;
  method: ConnectionMethod | null;
  /** What the connection reached: Slack team, HubSpot portal, Google account. */
  account: { id: string; name: string } | null;
  scopes: string[];
  expires_at: number | null;
  connected_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
}

/** GET /api/v1/integrations */
export interface ProviderList {
  providers: Provider[];
}

/** Body of PUT /api/v1/integrations/{provider}/app; answered with the Provider. */
export interface AppInput {
  client_id: string;
  client_secret: string;
}

/** POST /api/v1/integrations/{provider}/connect: where to send the browser. */
export interface ConnectAnswer {
  authorize_url: string;
}

/** Body of POST /api/v1/integrations/{provider}/token; answered with the Provider, or 422 `integration_rejected`. */
export interface TokenInput {
  token: string;
}

/** Body of POST /api/v1/integrations/{provider}/test: Slack names a channel id, HubSpot nothing, Google a sheet. */
export type TestInput = { channel: string } | Record<string, never> | { spreadsheet_id: string; sheet: string };

/** POST /api/v1/integrations/{provider}/test: what was done, and the vendor's receipt (ts, ids, updatedRange). */
export interface TestAnswer {
  message: string;
  receipt: Record<string, unknown>;
}

/** GET /api/v1/integrations/slack/channels (409 `not_connected` when Slack is not connected). */
export interface SlackChannel {
  id: string;
  name: string;
  is_private: boolean;
}
export interface SlackChannels {
  channels: SlackChannel[];
}

/** GET /api/v1/integrations/google/spreadsheets/{spreadsheet_id}/sheets */
export interface SpreadsheetSheets {
  title: string;
  sheets: { id: number; title: string }[];
}

/** The error code of a token the vendor refused (422). */
export const REJECTED = 'integration_rejected';
/** The error code of a picker asked about a provider that is not connected (409). */
export const NOT_CONNECTED = 'not_connected';

export const INTEGRATIONS_PATH = '/api/v1/integrations';

/** `/api/v1/integrations/{provider}` plus the rest, each segment escaped. */
export function providerPath(provider: ProviderId, ...rest: string[]): string {
  return [INTEGRATIONS_PATH, provider, ...rest].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

// Issue 29's integrations API, in one file: the generated types (src/api/schema.d.ts)
// where they say what the server sends, and a narrower Provider where the schema is looser
// than the contract (the server always sends every field, `null` when unknown, and `method`
// and `app_source` are closed vocabularies). PROVIDER_MATCHES_SCHEMA stops the build if
// the two drift apart.
import type { components } from '../../api/schema';

type Schemas = components['schemas'];

/** The three vendors a workspace can connect. */
export type ProviderId = Schemas['ProviderId'];

/**
 * `not_configured`: no connection and no OAuth app (only pasting a token is possible, where
 * the provider accepts one). `disconnected`: an OAuth app is set, nothing is connected.
 * `needs_reconnect`: the vendor refused the grant (revoked, expired refresh token); the
 * connection stays, its actions fail until someone connects again.
 */
export type ProviderState = Schemas['IntegrationState'];

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

/** Compiles only while a Provider is also what the schema says the server sends. */
export const PROVIDER_MATCHES_SCHEMA: Provider extends Schemas['IntegrationOut'] ? true : never = true;

/** GET /api/v1/integrations */
export interface ProviderList {
  providers: Provider[];
}

/** Body of PUT /api/v1/integrations/{provider}/app; answered with the Provider. */
export type AppInput = Schemas['AppIn'];

/** POST /api/v1/integrations/{provider}/connect: where to send the browser. */
export type ConnectAnswer = Schemas['ConnectOut'];

/** Body of POST /api/v1/integrations/{provider}/token; answered with the Provider, or 422 `integration_rejected`. */
export type TokenInput = Schemas['TokenIn'];

/** Body of POST /api/v1/integrations/{provider}/test: Slack names a channel id, HubSpot nothing, Google a sheet. */
export type TestInput = { channel: string } | Record<string, never> | { spreadsheet_id: string; sheet: string };

/** POST /api/v1/integrations/{provider}/test: what was done, and the vendor's receipt (ts, ids, updatedRange). */
export interface TestAnswer {
  message: string;
  receipt: Record<string, unknown>;
}

/** GET /api/v1/integrations/slack/channels (409 `not_connected` when Slack is not connected). */
export type SlackChannels = Schemas['ChannelList'];

/** GET /api/v1/integrations/google/spreadsheets/{spreadsheet_id}/sheets */
export type SpreadsheetSheets = Schemas['SpreadsheetOut'];

/** The error code of a token the vendor refused (422). */
export const REJECTED = 'integration_rejected';
/** The error code of a picker asked about a provider that is not connected (409). */
export const NOT_CONNECTED = 'not_connected';

export const INTEGRATIONS_PATH = '/api/v1/integrations';

/** `/api/v1/integrations/{provider}` plus the rest, each segment escaped. */
export function providerPath(provider: ProviderId, ...rest: string[]): string {
  return [INTEGRATIONS_PATH, provider, ...rest].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

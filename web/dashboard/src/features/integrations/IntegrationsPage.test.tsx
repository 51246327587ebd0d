// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ME, errorBody, json } from '../../test/fakeFetch';
import { renderApp } from '../../test/renderApp';
import type { Provider } from './contract';
import { leavePage } from './integrations';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const HOUR = 3600_000;
const CALLBACK = 'https://parley.example/api/v1/integrations';

function provider(over: Partial<Provider> & Pick<Provider, 'provider' | 'name'>): Provider {
  return {
    state: 'disconnected',
    oauth_configured: true,
    app_source: 'settings',
    client_id: '123.456',
    callback_url: `${CALLBACK}/${over.provider}/callback`,
    accepts_token: over.provider !== 'google',
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

const SLACK_CONNECTED = provider({
  provider: 'slack',
  name: 'Slack',
  state: 'connected',
  method: 'oauth',
  account: { id: 'T123', name: 'Acme workspace' },
  scopes: ['chat:write', 'channels:read'],
  expires_at: Date.now() + 11 * HOUR,
  connected_at: Date.now() - 2 * HOUR,
  last_success_at: null,
});
const HUBSPOT_DEAD = provider({
  provider: 'hubspot',
  name: 'HubSpot',
  state: 'needs_reconnect',
  method: 'oauth',
  account: { id: '4242', name: 'acme.com' },
  connected_at: Date.now() - 48 * HOUR,
  last_success_at: Date.now() - 3 * HOUR,
  last_error: 'HubSpot refused the refresh token (BAD_REFRESH_TOKEN): the app was uninstalled.',
  last_error_at: Date.now() - 10 * 60_000,
});
const GOOGLE_NONE = provider({
  provider: 'google',
  name: 'Google Sheets',
  state: 'not_configured',
  oauth_configured: false,
  app_source: null,
  client_id: null,
});
const SLACK_OFF = provider({ provider: 'slack', name: 'Slack', state: 'disconnected' });
const SLACK_NONE = provider({ provider: 'slack', name: 'Slack', state: 'not_configured', oauth_configured: false, app_source: null, client_id: null });

const list = (...providers: Provider[]) => () => json(200, { providers });
const card = (name: string) => screen.getByRole('region', { name });

describe('integrations page', () => {
  it('shows each provider’s state, account, scopes and times in plain words', async () => {
    renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_CONNECTED, HUBSPOT_DEAD, GOOGLE_NONE),
    });
    await screen.findByRole('region', { name: 'Slack' });
    expect(document.title).toBe('Integrations · Parley');
    expect(screen.getByRole('link', { name: 'Integrations' }).getAttribute('aria-current')).toBe('page');

    const slack = card('Slack');
    expect(within(slack).getByText('Connected as Acme workspace')).toBeTruthy();
    const facts = slack.querySelector('dl')!;
    expect(facts.textContent).toContain('Slack workspaceAcme workspace (T123)');
    expect(facts.textContent).toContain('Connected withOAuth');
    expect(facts.textContent).toContain('Connected2 hours ago');
    expect(facts.textContent).toContain('Access expiresin 11 hours, renewed before then');
    expect(facts.textContent).toContain('Last successNothing sent yet');
    expect(within(slack).getByText('chat:write')).toBeTruthy();
    expect(within(slack).getByText('channels:read')).toBeTruthy();
    expect(within(slack).getByRole('button', { name: 'Send a test' })).toBeTruthy();
    expect(within(slack).getByRole('button', { name: 'Disconnect' })).toBeTruthy();
    expect(within(slack).queryByRole('button', { name: /^Connect/ })).toBeNull();
    expect(within(slack).getByText(`${CALLBACK}/slack/callback`)).toBeTruthy();
    expect(within(slack).getByRole('button', { name: 'Copy the Slack callback URL' })).toBeTruthy();
    expect(within(slack).getByText(/Paste this into your Slack app’s Redirect URLs/)).toBeTruthy();
    expect(within(slack).getByText(/The server’s settings \(PARLEY_SLACK_CLIENT_ID\)/)).toBeTruthy();

    const hubspot = card('HubSpot');
    expect(within(hubspot).getByText('Needs reconnect')).toBeTruthy();
    expect(within(hubspot).getByText(/no longer accepts Parley’s access.*Reconnect to resume them/)).toBeTruthy();
    expect(within(hubspot).getByText(/BAD_REFRESH_TOKEN.*\(10 minutes ago\)/)).toBeTruthy();
    expect(within(hubspot).getByText('3 hours ago')).toBeTruthy();
    expect(within(hubspot).queryByText('Access expires')).toBeNull();
    expect(within(hubspot).getByRole('button', { name: 'Reconnect HubSpot' })).toBeTruthy();
    expect(within(hubspot).queryByRole('button', { name: 'Send a test' })).toBeNull();

    const google = card('Google Sheets');
    expect(within(google).getByText('Not configured')).toBeTruthy();
    expect(
      within(google).getByText('Set PARLEY_GOOGLE_CLIENT_ID and PARLEY_GOOGLE_CLIENT_SECRET, or enter your Google OAuth client’s credentials below.'),
    ).toBeTruthy();
    expect(within(google).queryByRole('button', { name: /Connect/ })).toBeNull();
    expect(within(google).queryByText(/Paste a/)).toBeNull();
    // No app yet: its form is open.
    expect(within(google).getByLabelText('Client ID')).toBeTruthy();
  });

  it('connect asks the server for the vendor’s address and goes there', async () => {
    const go = vi.spyOn(leavePage, 'to').mockImplementation(() => undefined);
    const authorize = 'http://127.0.0.1:9/slack/oauth/v2/authorize?client_id=123.456&state=s1';
    const { calls } = renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_OFF),
      'POST /api/v1/integrations/slack/connect': () => json(200, { authorize_url: authorize }),
    });
    const slack = await screen.findByRole('region', { name: 'Slack' });
    expect(within(slack).getByText('Not connected')).toBeTruthy();
    fireEvent.click(within(slack).getByRole('button', { name: 'Connect Slack' }));
    await waitFor(() => expect(go).toHaveBeenCalledWith(authorize));
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.path).toBe('/api/v1/integrations/slack/connect');
    expect(post?.headers.get('X-CSRF-Token')).toBe(ME.csrf_token);
  });

  it('says why connect could not start, on the card', async () => {
    const go = vi.spyOn(leavePage, 'to').mockImplementation(() => undefined);
    renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_OFF),
      'POST /api/v1/integrations/slack/connect': () => errorBody(422, 'not_configured', 'PARLEY_PUBLIC_URL is not set, so there is no callback URL.'),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Connect Slack' }));
    expect(await within(card('Slack')).findByText('Could not start connecting: PARLEY_PUBLIC_URL is not set, so there is no callback URL.')).toBeTruthy();
    expect(go).not.toHaveBeenCalled();
  });

  it('shows the vendor refusing a pasted token at the field, then connects with a good one', async () => {
    const connected = { ...SLACK_CONNECTED, method: 'token' as const, expires_at: null, scopes: ['chat:write'] };
    const { calls } = renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_NONE),
      'POST /api/v1/integrations/slack/token': (r) =>
        (r.body as { token: string }).token === 'xoxb-good'
          ? json(200, connected)
          : errorBody(422, 'integration_rejected', 'Slack answered invalid_auth: the token is not valid.'),
    });
    const slack = await screen.findByRole('region', { name: 'Slack' });
    expect(within(slack).getByText(/Or paste a bot token instead\./)).toBeTruthy();
    const field = within(slack).getByLabelText('Bot token') as HTMLInputElement;
    expect(field.type).toBe('password');

    // A user token is caught before Slack is asked.
    fireEvent.change(field, { target: { value: 'xoxp-1-2' } });
    fireEvent.click(within(slack).getByRole('button', { name: 'Check and save' }));
    expect(await within(slack).findByText(/That is a user token/)).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(field, { target: { value: ' xoxb-revoked ' } });
    fireEvent.click(within(slack).getByRole('button', { name: 'Check and save' }));
    expect(await within(slack).findByText('Slack refused it: Slack answered invalid_auth: the token is not valid.')).toBeTruthy();
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ token: 'xoxb-revoked' });
    expect(within(slack).getByText('Not configured')).toBeTruthy();

    fireEvent.change(field, { target: { value: 'xoxb-good' } });
    fireEvent.click(within(slack).getByRole('button', { name: 'Check and save' }));
    expect(await within(slack).findByText('Connected as Acme workspace')).toBeTruthy();
    expect(within(slack).getByText('A pasted bot token')).toBeTruthy();
    expect(within(slack).getByText('Does not expire')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Slack connected as Acme workspace');
    expect(within(slack).queryByLabelText('Bot token')).toBeNull();
  });

  it('sends a Slack test to a picked channel and shows the receipt', async () => {
    let tested = false;
    const { calls } = renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': () => json(200, { providers: [{ ...SLACK_CONNECTED, last_success_at: tested ? Date.now() : null }] }),
      'GET /api/v1/integrations/slack/channels': () =>
        json(200, {
          channels: [
            { id: 'C1', name: 'general', is_private: false },
            { id: 'G2', name: 'sales', is_private: true },
          ],
        }),
      'POST /api/v1/integrations/slack/test': () => {
        tested = true;
        return json(200, { message: 'Posted to #general', receipt: { channel: 'C1', ts: '1765000000.000100' } });
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Send a test' }));
    const dialog = screen.getByRole('dialog', { name: 'Send a test to Slack' });
    const channel = (await within(dialog).findByLabelText('Channel')) as HTMLSelectElement;
    expect(Array.from(channel.options).map((o) => o.textContent)).toEqual(['Pick a channel', '#general', '🔒 sales (private)']);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Send test message' }));
    expect(await within(dialog).findByText('Pick a channel', { selector: '.field-error' })).toBeTruthy();
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(channel, { target: { value: 'C1' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Send test message' }));
    const receipt = await within(dialog).findByRole('region', { name: 'Test receipt' });
    expect(receipt.textContent).toContain('Posted to #general');
    expect(within(receipt).getByText('1765000000.000100')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ channel: 'C1' });
    // The card learns of the success.
    await waitFor(() => expect(within(card('Slack')).getByText('just now')).toBeTruthy());

    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says what to do when the Slack app sees no channel', async () => {
    renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_CONNECTED),
      'GET /api/v1/integrations/slack/channels': () => json(200, { channels: [] }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Send a test' }));
    const dialog = screen.getByRole('dialog', { name: 'Send a test to Slack' });
    expect(await within(dialog).findByText(/sees no channels\. Add the app to a channel/)).toBeTruthy();
  });

  it('reads the HubSpot portal, and shows in plain words when HubSpot refuses', async () => {
    const hubspot = provider({ provider: 'hubspot', name: 'HubSpot', state: 'error', method: 'token', account: { id: '4242', name: 'acme.com' }, last_error: 'HubSpot answered 503.' });
    let refused = false;
    renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': () => json(200, { providers: [refused ? { ...hubspot, state: 'needs_reconnect' } : hubspot] }),
      'POST /api/v1/integrations/hubspot/test': () => {
        refused = true;
        return errorBody(422, 'integration_failed', 'HubSpot answered 401: the service key was revoked.');
      },
    });
    const card0 = await screen.findByRole('region', { name: 'HubSpot' });
    expect(within(card0).getByText('Error')).toBeTruthy();
    expect(within(card0).getByText(/The last call to HubSpot failed/)).toBeTruthy();
    fireEvent.click(within(card0).getByRole('button', { name: 'Send a test' }));
    const dialog = screen.getByRole('dialog', { name: 'Send a test to HubSpot' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Read the portal' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('HubSpot did not take the test: HubSpot answered 401: the service key was revoked.');
    expect(within(dialog).queryByRole('region', { name: 'Test receipt' })).toBeNull();
    // The refusal turned the connection into "needs reconnect": the card behind says so.
    expect(await within(card('HubSpot')).findByText('Needs reconnect')).toBeTruthy();
  });

  it('appends a test row to a sheet picked from a pasted spreadsheet address', async () => {
    const google = provider({ provider: 'google', name: 'Google Sheets', state: 'connected', method: 'oauth', account: { id: 'u1', name: 'ops@acme.com' } });
    const { calls } = renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(google),
      'GET /api/v1/integrations/google/spreadsheets/1AbC/sheets': () =>
        json(200, {
          title: 'Leads',
          sheets: [
            { id: 0, title: 'Sheet1' },
            { id: 7, title: 'Inbound' },
          ],
        }),
      'POST /api/v1/integrations/google/test': () =>
        json(200, { message: 'Appended a row to Leads › Inbound', receipt: { updatedRange: 'Inbound!A12:D12' } }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Send a test' }));
    const dialog = screen.getByRole('dialog', { name: 'Send a test to Google Sheets' });
    expect((within(dialog).getByRole('button', { name: 'Append test row' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByLabelText('Spreadsheet'), { target: { value: 'https://docs.google.com/spreadsheets/d/1AbC/edit#gid=0' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Find sheets' }));
    const sheet = (await within(dialog).findByLabelText('Sheet')) as HTMLSelectElement;
    expect(within(dialog).getByText('In “Leads”.')).toBeTruthy();
    fireEvent.change(sheet, { target: { value: 'Inbound' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Append test row' }));
    const receipt = await within(dialog).findByRole('region', { name: 'Test receipt' });
    expect(within(receipt).getByText('Inbound!A12:D12')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ spreadsheet_id: '1AbC', sheet: 'Inbound' });
  });

  it('toasts a connection the vendor’s screens came back with, and cleans the address', async () => {
    renderApp('/integrations?connected=slack', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_CONNECTED),
    });
    await screen.findByRole('region', { name: 'Slack' });
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Slack connected'));
    expect(window.location.pathname + window.location.search).toBe('/app/integrations');
  });

  it('shows an error the vendor’s screens came back with on that card, and cleans the address', async () => {
    renderApp('/integrations?provider=hubspot&error=You+cancelled+on+HubSpot%E2%80%99s+screen.', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_OFF, provider({ provider: 'hubspot', name: 'HubSpot' })),
    });
    const hubspot = await screen.findByRole('region', { name: 'HubSpot' });
    const alert = await within(hubspot).findByRole('alert');
    expect(alert.textContent).toContain('HubSpot did not connect: You cancelled on HubSpot’s screen.');
    expect(within(card('Slack')).queryByRole('alert')).toBeNull();
    expect(window.location.search).toBe('');
    fireEvent.click(within(hubspot).getByRole('button', { name: 'Dismiss the connection error' }));
    expect(within(hubspot).queryByRole('alert')).toBeNull();
  });

  it('disconnects only after confirming, then shows the new state', async () => {
    let gone = false;
    const { calls } = renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': () => json(200, { providers: [gone ? SLACK_OFF : SLACK_CONNECTED] }),
      'DELETE /api/v1/integrations/slack': () => {
        gone = true;
        return new Response(null, { status: 204 });
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Disconnect' }));
    const dialog = screen.getByRole('dialog', { name: 'Disconnect Slack?' });
    expect(dialog.textContent).toMatch(/Workflow steps that use Slack fail until you connect again/);
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    expect(await within(card('Slack')).findByText('Not connected')).toBeTruthy();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(within(card('Slack')).getByRole('button', { name: 'Connect Slack' })).toBeTruthy();
  });

  it('saves a workspace OAuth app with a write-only secret, and goes back to the server’s settings', async () => {
    const own = { ...SLACK_OFF, app_source: 'workspace' as const, client_id: '999.111' };
    const { calls } = renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, ME),
      'GET /api/v1/integrations': list(SLACK_OFF),
      'PUT /api/v1/integrations/slack/app': () => json(200, own),
      'DELETE /api/v1/integrations/slack/app': () => json(200, SLACK_OFF),
    });
    const slack = await screen.findByRole('region', { name: 'Slack' });
    fireEvent.click(within(slack).getByRole('button', { name: 'Change the Slack OAuth app' }));
    fireEvent.click(within(slack).getByRole('button', { name: 'Save app' }));
    expect(await within(slack).findByText('Enter the client secret')).toBeTruthy();
    fireEvent.change(within(slack).getByLabelText('Client ID'), { target: { value: ' 999.111 ' } });
    fireEvent.change(within(slack).getByLabelText('Client secret'), { target: { value: 'shh' } });
    fireEvent.click(within(slack).getByRole('button', { name: 'Save app' }));
    expect(await within(slack).findByText('This workspace’s own app, client ID', { exact: false })).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ client_id: '999.111', client_secret: 'shh' });
    expect(within(slack).queryByDisplayValue('shh')).toBeNull();

    fireEvent.click(within(slack).getByRole('button', { name: 'Use the server’s settings' }));
    expect(await within(slack).findByText(/The server’s settings/)).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/api/v1/integrations/slack/app']);
  });

  it('shows agents the state only', async () => {
    renderApp('/integrations', {
      'GET /api/v1/auth/me': () => json(200, { ...ME, role: 'agent' }),
      'GET /api/v1/integrations': list(SLACK_CONNECTED, HUBSPOT_DEAD, GOOGLE_NONE),
    });
    const slack = await screen.findByRole('region', { name: 'Slack' });
    expect(within(slack).getByText('Connected as Acme workspace')).toBeTruthy();
    expect(screen.getByRole('note').textContent).toMatch(/Ask an owner or admin/);
    expect(screen.queryAllByRole('button', { name: /Connect|Reconnect|Disconnect|Send a test|Save app|Paste/ })).toEqual([]);
    expect(screen.queryByText(`${CALLBACK}/slack/callback`)).toBeNull();
    expect(within(card('Google Sheets')).getByText('Google Sheets is not set up. Ask an owner or admin to connect Google Sheets.')).toBeTruthy();
  });
});

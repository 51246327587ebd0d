// Live pickers for integration actions (shared contract 29): Slack channels, HubSpot deal
// stages, a spreadsheet's sheets. Without a connection (or before the integrations API
// exists: a 404) they say "Connect X first" and link to the Integrations page; the plain
// text box stays, so a workflow can still be drawn and saved.
import { useEffect, useState } from 'react';
import { useApi } from '../../api/context';
import { Link } from '../../lib/router';
import { providerOf } from './catalogForm';
import type { IntegrationProvider } from './contract';

export interface PickerOption {
  value: string;
  label: string;
}

type Loaded = { state: 'loading' } | { state: 'ready'; options: PickerOption[] } | { state: 'unavailable' };

let providers: Promise<IntegrationProvider[] | null> | null = null;

/** The providers list, asked once per page load; null when the API is not there. */
function useProviders(): IntegrationProvider[] | null | undefined {
  const api = useApi();
  const [list, setList] = useState<IntegrationProvider[] | null | undefined>(undefined);
  useEffect(() => {
    providers ??= api
      .send<{ providers: IntegrationProvider[] }>('GET', '/api/v1/integrations')
      .then((r) => r.providers)
      .catch(() => null);
    let live = true;
    void providers.then((p) => live && setList(p));
    return () => {
      live = false;
    };
  }, [api]);
  return list;
}

/** Forget the cached providers (a test, or after connecting in another tab). */
export function resetProviders() {
  providers = null;
}

/** Which picker a parameter of an action gets, if any. */
export function pickerFor(action: string | undefined, param: string): 'slack_channel' | 'hubspot_stage' | 'sheet' | null {
  if (action === 'slack_message' && param === 'channel') return 'slack_channel';
  if (action === 'hubspot_deal' && param === 'stage') return 'hubspot_stage';
  if (action === 'sheets_append_row' && param === 'sheet') return 'sheet';
  return null;
}

async function loadOptions(
  api: ReturnType<typeof useApi>,
  kind: 'slack_channel' | 'hubspot_stage' | 'sheet',
  spreadsheetId: string | undefined,
): Promise<PickerOption[]> {
  switch (kind) {
    case 'slack_channel': {
      const r = await api.send<{ channels: Array<{ id: string; name: string; is_private: boolean }> }>('GET', '/api/v1/integrations/slack/channels');
      return r.channels.map((c) => ({ value: c.is_private ? c.id : `#${c.name}`, label: `#${c.name}${c.is_private ? ' (private)' : ''}` }));
    }
    case 'hubspot_stage': {
      const r = await api.send<{ pipelines: Array<{ id: string; label: string; stages: Array<{ id: string; label: string }> }> }>(
        'GET',
        '/api/v1/integrations/hubspot/pipelines',
      );
      return r.pipelines.flatMap((p) => p.stages.map((s) => ({ value: s.id, label: `${p.label}: ${s.label}` })));
    }
    case 'sheet': {
      if (!spreadsheetId?.trim() || spreadsheetId.includes('{{')) return [];
      const r = await api.send<{ sheets: Array<{ title: string }> }>(
        'GET',
        `/api/v1/integrations/google/spreadsheets/${encodeURIComponent(spreadsheetId.trim())}/sheets`,
      );
      return r.sheets.map((s) => ({ value: s.title, label: s.title }));
    }
  }
}

/** Whether the provider is connected, and the picker's options when it is. */
export function IntegrationPicker({
  integration,
  kind,
  spreadsheetId,
  value,
  label,
  onPick,
}: {
  integration: string;
  kind: 'slack_channel' | 'hubspot_stage' | 'sheet' | null;
  spreadsheetId?: string | undefined;
  value: string;
  label: string;
  onPick: (value: string) => void;
}) {
  const api = useApi();
  const list = useProviders();
  const provider = providerOf(integration);
  const connected = list?.find((p) => p.provider === provider.id)?.state === 'connected';
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });

  useEffect(() => {
    if (!connected || !kind) return;
    let live = true;
    setLoaded({ state: 'loading' });
    loadOptions(api, kind, spreadsheetId)
      .then((options) => live && setLoaded({ state: 'ready', options }))
      .catch(() => live && setLoaded({ state: 'unavailable' }));
    return () => {
      live = false;
    };
  }, [api, connected, kind, spreadsheetId]);

  if (list === undefined) return null;
  if (!connected) {
    return (
      <p className="wf-connect-first" role="note">
        Connect {provider.name} first: this action fails until it is.{' '}
        <Link to="/integrations">Go to Integrations</Link>
      </p>
    );
  }
  if (!kind || loaded.state !== 'ready' || loaded.options.length === 0) return null;
  return (
    <select className="input select" aria-label={`Pick ${label.toLowerCase()}`} value={loaded.options.some((o) => o.value === value) ? value : ''} onChange={(e) => onPick(e.target.value)}>
      <option value="">Pick from {provider.name}…</option>
      {loaded.options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

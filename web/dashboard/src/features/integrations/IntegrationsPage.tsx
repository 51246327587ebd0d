import { useEffect, useState } from 'react';
import { useApi } from '../../api/context';
import { navigate } from '../../lib/router';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import { INTEGRATIONS_PATH, type Provider, type ProviderId, type ProviderList } from './contract';
import { VENDORS, parseReturn, withoutReturn } from './integrations';
import { ProviderCard } from './ProviderCard';
import './integrations.css';

/**
 * /integrations: the workspace's connections to Slack, HubSpot and Google Sheets, which
 * workflow actions use. The vendors' OAuth screens come back here through the server's
 * callback, with `?connected=slack` or `?provider=slack&error=...` in the address.
 */
export function IntegrationsPage() {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const list = useResource(async () => (await api.send<ProviderList>('GET', INTEGRATIONS_PATH)).providers, 'integrations');
  const [callbackError, setCallbackError] = useState<{ provider: ProviderId; error: string } | null>(null);

  // Read what the callback said once, then take it out of the address: a reload or a
  // bookmark must not say "connected" again. Read from window.location, not from render, so
  // the second run of a strict-mode effect finds the address already clean.
  useEffect(() => {
    const search = new URLSearchParams(window.location.search);
    const back = parseReturn(search);
    if (!back) return;
    if ('connected' in back) toast(`${VENDORS[back.connected].name} connected`);
    else setCallbackError(back);
    navigate(`/integrations${withoutReturn(search)}`, { replace: true });
  }, [toast]);

  const replace = (updated: Provider) => {
    list.setData((list.latest() ?? []).map((p) => (p.provider === updated.provider ? updated : p)));
  };

  return (
    <>
      <PageHeader
        title="Integrations"
        description="Connect Slack, HubSpot and Google Sheets, so workflows can post messages, keep leads in your CRM and log rows."
      />
      {!manage && (
        <div className="alert alert-info" role="note">
          You can see what is connected. Ask an owner or admin to connect, change or test an integration.
        </div>
      )}
      {list.error !== undefined && list.data === undefined ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <Loading label="Loading integrations" />
      ) : list.data.length === 0 ? (
        <div className="empty-state">
          <p className="empty-title">No integrations on this server</p>
          <p className="empty-text">This Parley server offers none. Update it to a version with Slack, HubSpot and Google Sheets.</p>
        </div>
      ) : (
        <div className="integration-list">
          {list.data.map((p) => (
            <ProviderCard
              key={p.provider}
              provider={p}
              manage={manage}
              callbackError={callbackError?.provider === p.provider ? callbackError.error : null}
              onDismissCallbackError={() => setCallbackError((c) => (c?.provider === p.provider ? null : c))}
              onChange={replace}
              onReload={() => void list.reload()}
            />
          ))}
        </div>
      )}
    </>
  );
}

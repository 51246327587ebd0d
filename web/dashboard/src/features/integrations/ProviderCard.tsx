import { useRef, useState, type ReactNode } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CopyButton } from '../../ui/CopyButton';
import { ConfirmDialog } from '../../ui/Modal';
import { useToast } from '../../ui/Toast';
import { AppForm } from './AppForm';
import { providerPath, type ConnectAnswer, type Provider } from './contract';
import { VENDORS, ago, exactTime, expiry, hasConnection, leavePage, stateBadge, stateSentence } from './integrations';
import { TestDialog } from './TestDialog';
import { TokenForm } from './TokenForm';

export interface ProviderCardProps {
  provider: Provider;
  /** Owners and admins manage; agents see the state only. */
  manage: boolean;
  /** Why the vendor's OAuth screens sent the browser back without a connection, if they did. */
  callbackError: string | null;
  onDismissCallbackError: () => void;
  /** The server's answer to a write on this provider. */
  onChange: (p: Provider) => void;
  /** Fetch the list again, after a write that answers nothing (disconnect) or changes times (test). */
  onReload: () => void;
}

/** One provider: its state and connection in plain words, what can be done, and its setup. */
export function ProviderCard({ provider: p, manage, callbackError, onDismissCallbackError, onChange, onReload }: ProviderCardProps) {
  const api = useApi();
  const toast = useToast();
  const badge = stateBadge(p);
  const v = VENDORS[p.provider];
  const connected = hasConnection(p);
  const [connecting, setConnecting] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [disconnecting, setDisconnecting] = useState(false);
  const [testing, setTesting] = useState(false);
  const urlRef = useRef<HTMLElement>(null);
  const headingId = `integration-${p.provider}`;

  const connect = async () => {
    setConnecting(true);
    setActionError(null);
    onDismissCallbackError();
    try {
      const { authorize_url } = await api.send<ConnectAnswer>('POST', providerPath(p.provider, 'connect'));
      // The vendor's consent screen; it sends the browser back to the callback, which lands on this page.
      leavePage.to(authorize_url);
    } catch (e) {
      setActionError(`Could not start connecting: ${errorMessage(e)}`);
      setConnecting(false);
    }
  };

  const disconnect = async () => {
    await api.send<void>('DELETE', providerPath(p.provider));
    setDisconnecting(false);
    toast(`${p.name} disconnected`);
    onReload();
  };

  const canConnect = manage && p.oauth_configured && (p.state === 'disconnected' || p.state === 'needs_reconnect' || p.state === 'not_configured');
  const sentenceTone = p.state === 'needs_reconnect' ? 'alert alert-warning' : p.state === 'error' ? 'alert alert-error' : 'card-text';

  return (
    <Card
      className="integration-card"
      headingId={headingId}
      title={p.name}
      actions={<Badge tone={badge.tone}>{badge.label}</Badge>}
      description={v.purpose}
    >
      <div className={manage ? 'integration-body' : 'integration-body integration-body-single'}>
        <div className="integration-status">
          {callbackError && (
            <div className="alert alert-error integration-dismissable" role="alert">
              <span>
                {p.name} did not connect: {callbackError}
              </span>
              <Button size="sm" variant="ghost" onClick={onDismissCallbackError} aria-label="Dismiss the connection error">
                ×
              </Button>
            </div>
          )}
          <p className={sentenceTone}>{stateSentence(p, manage)}</p>
          <Facts provider={p} />
          {actionError && (
            <div className="alert alert-error" role="alert">
              {actionError}
            </div>
          )}
          {manage && (canConnect || connected) && (
            <div className="button-row">
              {canConnect && (
                <Button variant="primary" onClick={connect} loading={connecting}>
                  {p.state === 'needs_reconnect' ? `Reconnect ${p.name}` : `Connect ${p.name}`}
                </Button>
              )}
              {connected && p.state !== 'needs_reconnect' && <Button onClick={() => setTesting(true)}>Send a test</Button>}
              {connected && (
                <Button variant="ghost" className="btn-danger-text" onClick={() => setDisconnecting(true)}>
                  Disconnect
                </Button>
              )}
            </div>
          )}
        </div>
        {manage && (
          <div className="integration-setup" role="group" aria-label={`${p.name} setup`}>
            <div className="integration-setup-block">
              <h3 className="integration-subtitle">Callback URL</h3>
              <div className="integration-inline">
                <code className="integration-url mono" ref={urlRef}>
                  {p.callback_url}
                </code>
                <CopyButton text={p.callback_url} fallbackRef={urlRef} ariaLabel={`Copy the ${p.name} callback URL`} />
              </div>
              <p className="field-hint">{v.redirectHint}</p>
            </div>
            <AppForm provider={p} onChange={onChange} />
            {p.accepts_token && <TokenForm provider={p} onChange={onChange} />}
          </div>
        )}
      </div>
      {manage && connected && (
        <>
          <TestDialog provider={p} open={testing} onClose={() => setTesting(false)} onTested={onReload} />
          <ConfirmDialog
            open={disconnecting}
            title={`Disconnect ${p.name}?`}
            confirmLabel="Disconnect"
            onCancel={() => setDisconnecting(false)}
            onConfirm={disconnect}
          >
            <p>
              Parley revokes its access at {p.name} where {p.name} allows it and deletes its tokens. Workflow steps that use {p.name} fail
              until you connect again.
            </p>
          </ConfirmDialog>
        </>
      )}
    </Card>
  );
}

/** What the connection reached and how it has been doing, only the parts that are known. */
function Facts({ provider: p }: { provider: Provider }) {
  const rows: Array<{ term: string; value: ReactNode; title?: string }> = [];
  if (p.account) rows.push({ term: VENDORS[p.provider].accountKind, value: `${p.account.name} (${p.account.id})` });
  if (p.method) rows.push({ term: 'Connected with', value: p.method === 'oauth' ? 'OAuth' : `A pasted ${VENDORS[p.provider].token?.label.toLowerCase() ?? 'token'}` });
  if (p.connected_at !== null) rows.push({ term: 'Connected', value: ago(p.connected_at), title: exactTime(p.connected_at) });
  if (hasConnection(p)) {
    // A dead grant's expiry says nothing: the access is gone whatever the date.
    if (p.state !== 'needs_reconnect') {
      rows.push({ term: 'Access expires', value: expiry(p), ...(p.expires_at !== null ? { title: exactTime(p.expires_at) } : {}) });
    }
    rows.push({
      term: 'Last success',
      value: p.last_success_at === null ? 'Nothing sent yet' : ago(p.last_success_at),
      ...(p.last_success_at !== null ? { title: exactTime(p.last_success_at) } : {}),
    });
  }
  if (p.last_error) {
    rows.push({
      term: 'Last error',
      value: p.last_error_at === null ? p.last_error : `${p.last_error} (${ago(p.last_error_at)})`,
      ...(p.last_error_at !== null ? { title: exactTime(p.last_error_at) } : {}),
    });
  }
  if (p.scopes.length > 0) {
    rows.push({
      term: 'Scopes',
      value: (
        <span className="integration-scopes">
          {p.scopes.map((s) => (
            <code key={s} className="mono-chip">
              {s}
            </code>
          ))}
        </span>
      ),
    });
  }
  if (rows.length === 0) return null;
  return (
    <dl className="integration-facts" aria-label={`${p.name} connection`}>
      {rows.map((r) => (
        <div key={r.term}>
          <dt>{r.term}</dt>
          <dd title={r.title}>{r.value}</dd>
        </div>
      ))}
    </dl>
  );
}

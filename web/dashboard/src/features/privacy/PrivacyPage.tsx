import { useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorFromResponse, errorMessage } from '../../api/errors';
import { useResource } from '../../lib/useResource';
import { Badge, type BadgeTone } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { formatDateTime } from '../../ui/format';
import { Input } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import {
  MAX_RETENTION_DAYS,
  confirmationMatches,
  erasureSummary,
  fileNameFrom,
  formatBytes,
  isFinished,
  looksLikeEmail,
  parseRetention,
  progressPercent,
  type Erasure,
  type ErasureList,
  type PrivacySettings,
} from './privacy';
import './privacy.css';

const STATUS_TONE: Record<Erasure['status'], BadgeTone> = {
  queued: 'neutral',
  running: 'info',
  done: 'success',
  failed: 'danger',
};

type Notice = { tone: 'success' | 'error' | 'info'; text: string } | null;

/** /privacy (owners and admins): a visitor's export and erasure, and retention. */
export function PrivacyPage() {
  return (
    <>
      <PageHeader
        title="Privacy"
        description="Answer a visitor's request to see or delete their data, and decide how long conversations are kept."
      />
      <div className="privacy-grid">
        <VisitorRequests />
        <Retention />
      </div>
    </>
  );
}

function VisitorRequests() {
  const api = useApi();
  const [email, setEmail] = useState('');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [exporting, setExporting] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState('');
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);
  const [current, setCurrent] = useState<Erasure | null>(null);
  const list = useResource(() => api.send<ErasureList>('GET', '/api/v1/privacy/erasures'), 'privacy-erasures');

  // Follows the erasure just started until it ends.
  useEffect(() => {
    if (!current || isFinished(current)) return;
    const timer = window.setTimeout(async () => {
      try {
        const next = await api.send<Erasure>('GET', `/api/v1/privacy/erasures/${current.id}`);
        setCurrent(next);
        if (isFinished(next)) void list.reload();
      } catch (e) {
        setNotice({ tone: 'error', text: `Could not read the erasure's progress: ${errorMessage(e)}` });
      }
    }, 700);
    return () => window.clearTimeout(timer);
  }, [api, current, list]);

  const checkEmail = (): string | null => {
    const value = email.trim();
    if (!looksLikeEmail(value)) {
      setEmailError('Enter the visitor’s email address, e.g. ada@example.com');
      return null;
    }
    setEmailError(undefined);
    return value;
  };

  const exportData = async (event?: FormEvent) => {
    event?.preventDefault();
    const value = checkEmail();
    if (!value || exporting) return;
    setExporting(true);
    setNotice(null);
    try {
      const headers = new Headers({ 'Content-Type': 'application/json' });
      const csrf = api.getCsrfToken();
      if (csrf) headers.set('X-CSRF-Token', csrf);
      const response = await fetch('/api/v1/privacy/export', {
        method: 'POST',
        headers,
        credentials: 'same-origin',
        body: JSON.stringify({ email: value }),
      });
      if (!response.ok) {
        const text = await response.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the text itself
        }
        throw errorFromResponse(response, body);
      }
      const blob = await response.blob();
      const name = fileNameFrom(response.headers.get('Content-Disposition'));
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setNotice({ tone: 'success', text: `Downloaded ${name} (${formatBytes(blob.size)}). Send it to the visitor over a channel you trust.` });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        setNotice({
          tone: 'info',
          text: `No visitor with ${value} in this workspace. Check the spelling, or look them up under Contacts: only emails a visitor gave (or your site proved) are known.`,
        });
      } else {
        setNotice({ tone: 'error', text: `The export failed: ${errorMessage(e)}` });
      }
    } finally {
      setExporting(false);
    }
  };

  const openErase = () => {
    if (!checkEmail()) return;
    setTyped('');
    setStartError(null);
    setConfirming(true);
  };

  const erase = async () => {
    if (!confirmationMatches(email, typed) || starting) return;
    setStarting(true);
    setStartError(null);
    try {
      const started = await api.send<Erasure>('POST', '/api/v1/privacy/erase', { body: { email: email.trim() } });
      setCurrent(started);
      setConfirming(false);
      setNotice(null);
      void list.reload();
    } catch (e) {
      setStartError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  return (
    <>
      <Card
        title="A visitor's data"
        description="Everything Parley keeps about one visitor, found by the email they gave or your site proved: conversations with messages, scores, tags and notes, images, their contact and lead details, and the workflow runs about them."
      >
        <form className="privacy-form" onSubmit={exportData} noValidate>
          <Field label="Visitor's email" error={emailError}>
            {(control) => (
              <Input
                {...control}
                type="email"
                autoComplete="off"
                placeholder="ada@example.com"
                value={email}
                onChange={(e) => {
                  setEmail(e.target.value);
                  setEmailError(undefined);
                }}
              />
            )}
          </Field>
          <div className="privacy-actions">
            <Button type="submit" variant="secondary" disabled={exporting}>
              {exporting ? 'Preparing export…' : 'Export (ZIP)'}
            </Button>
            <Button type="button" variant="danger" onClick={openErase}>
              Erase…
            </Button>
          </div>
        </form>
        {notice && (
          <div className={`alert alert-${notice.tone === 'success' ? 'info' : notice.tone} privacy-notice`} role={notice.tone === 'error' ? 'alert' : 'status'}>
            {notice.text}
          </div>
        )}
        {current && (
          <div className="privacy-progress" role="status" aria-live="polite" data-status={current.status}>
            <div className="privacy-progress-head">
              <Badge tone={STATUS_TONE[current.status]}>{current.status}</Badge>
              <span>{erasureSummary(current)}</span>
            </div>
            <span className="progress" aria-hidden="true">
              <span className="progress-bar" style={{ width: `${progressPercent(current)}%` }} />
            </span>
            {current.status === 'done' && (
              <p className="muted privacy-small">
                Their conversations, messages, images, contact details, workflow runs and analytics counts are gone, and their chat sessions no longer work.
                The audit log records that an erasure happened, not whose.
              </p>
            )}
          </div>
        )}
      </Card>

      <Card title="Erasures" description="The latest erasure requests. The email is not kept: each is known by a fingerprint of it.">
        {list.error !== undefined && list.data === undefined ? (
          <LoadError error={list.error} onRetry={list.reload} />
        ) : list.data === undefined ? (
          <Loading label="Loading erasures" />
        ) : (
          <Table<Erasure>
            label="Erasure requests"
            rows={list.data.items}
            rowKey={(e) => e.id}
            empty={
              <div className="empty-state">
                <p className="empty-title">No erasures yet</p>
                <p className="empty-text">When a visitor asks to be forgotten, enter their email above and choose Erase.</p>
              </div>
            }
            columns={[
              { key: 'status', header: 'Status', render: (e) => <Badge tone={STATUS_TONE[e.status]}>{e.status}</Badge> },
              { key: 'progress', header: 'Progress', render: (e) => erasureSummary(e) },
              { key: 'requested', header: 'Requested', render: (e) => formatDateTime(e.created_at) },
              { key: 'fingerprint', header: 'Fingerprint', render: (e) => <code title={e.email_hash}>{e.email_hash.slice(0, 12)}</code> },
            ]}
          />
        )}
      </Card>

      <Dialog
        open={confirming}
        title="Erase this visitor?"
        description="This cannot be undone. Export first if they asked for a copy."
        onClose={() => setConfirming(false)}
        busy={starting}
        footer={
          <>
            <Button variant="secondary" onClick={() => setConfirming(false)} disabled={starting}>
              Cancel
            </Button>
            <Button variant="danger" onClick={erase} disabled={!confirmationMatches(email, typed) || starting}>
              {starting ? 'Starting…' : 'Erase everything'}
            </Button>
          </>
        }
      >
        <p className="privacy-small">
          Every conversation of <strong>{email.trim()}</strong>, their messages, images, notes, tags, contact and lead details, the workflow runs and
          events about them, and their analytics counts will be deleted for good.
        </p>
        <Field label={`Type ${email.trim()} to confirm`} error={startError ?? undefined}>
          {(control) => (
            <Input
              {...control}
              autoComplete="off"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') void erase();
              }}
            />
          )}
        </Field>
      </Dialog>
    </>
  );
}

function Retention() {
  const api = useApi();
  const settings = useResource(() => api.send<PrivacySettings>('GET', '/api/v1/privacy/settings'), 'privacy-settings');
  const [enabled, setEnabled] = useState(false);
  const [days, setDays] = useState('365');
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    if (!settings.data) return;
    setEnabled(settings.data.retention_days !== null);
    if (settings.data.retention_days !== null) setDays(String(settings.data.retention_days));
  }, [settings.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseRetention(enabled, days);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    setSaving(true);
    setError(undefined);
    setSaved(null);
    try {
      const next = await api.send<PrivacySettings>('PUT', '/api/v1/privacy/settings', { body: { retention_days: parsed.days } });
      settings.setData(next);
      setSaved(next.retention_days === null ? 'Saved: conversations are kept until you delete them.' : `Saved: conversations idle for ${next.retention_days} days are deleted daily.`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card
      title="Retention"
      description="Delete old conversations automatically. Once a day, conversations with no message for the chosen number of days are deleted with everything about them, the same way as an erasure (messages, images, notes, workflow runs, analytics counts), and so are visitors left with no conversation."
    >
      {settings.error !== undefined && settings.data === undefined ? (
        <LoadError error={settings.error} onRetry={settings.reload} />
      ) : settings.data === undefined ? (
        <Loading label="Loading retention" />
      ) : (
        <form className="privacy-form" onSubmit={save} noValidate>
          <label className="privacy-check">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(e) => {
                setEnabled(e.target.checked);
                setSaved(null);
              }}
            />
            <span>Delete conversations after a period without messages</span>
          </label>
          <Field
            label="Days without a message"
            error={error}
            hint={enabled ? `1 to ${MAX_RETENTION_DAYS} days. Off by default: nothing is deleted.` : 'Off: conversations are kept until you delete them.'}
          >
            {(control) => (
              <Input
                {...control}
                type="number"
                inputMode="numeric"
                className="privacy-days"
                min={1}
                max={MAX_RETENTION_DAYS}
                disabled={!enabled}
                value={days}
                onChange={(e) => {
                  setDays(e.target.value);
                  setSaved(null);
                }}
              />
            )}
          </Field>
          <div className="privacy-actions">
            <Button type="submit" variant="primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save retention'}
            </Button>
            {saved && (
              <span className="muted" role="status">
                {saved}
              </span>
            )}
          </div>
        </form>
      )}
    </Card>
  );
}

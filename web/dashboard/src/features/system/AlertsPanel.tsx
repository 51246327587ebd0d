import { useEffect, useState } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import { useResource } from '../../lib/useResource';
import { Badge, type BadgeTone } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { CopyButton } from '../../ui/CopyButton';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { LoadError, Loading } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import { formatRelative } from '../../ui/format';
import { ALERTS_PATH, ALERT_RULES_PATH, ALERT_TEST_PATH, REFRESH_MS, RULES, type AlertEvent, type AlertRules, type Rule } from './contract';

/** The Alerts tab: the workspace's rules and channels, and its recent alerts. */
export function AlertsPanel() {
  const api = useApi();
  const rules = useResource(() => api.send<AlertRules>('GET', ALERT_RULES_PATH), 'alert-rules');
  const events = useResource(async () => (await api.send<{ items: AlertEvent[] }>('GET', ALERTS_PATH, { query: { limit: 50 } })).items, 'alerts');
  const { reload } = events;
  useEffect(() => {
    const timer = window.setInterval(() => void reload(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  return (
    <div className="system-grid">
      <Card title="Recent alerts" headingId="system-recent-alerts" className="system-wide">
        {events.data === undefined ? (
          events.error !== undefined ? <LoadError error={events.error} onRetry={events.reload} /> : <Loading label="Loading alerts" />
        ) : events.data.length === 0 ? (
          <p className="muted">No alert has fired. When one does, it shows here, and again when it resolves. Send a test to check delivery.</p>
        ) : (
          <ul className="system-events" aria-label="Recent alerts">
            {events.data.map((e) => (
              <li key={e.id} className="system-event">
                <EventBadge event={e.event} /> <span>{e.summary}</span> <span className="muted">{formatRelative(e.created_at)}</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
      {rules.data === undefined ? (
        rules.error !== undefined ? <LoadError error={rules.error} onRetry={rules.reload} /> : <Loading label="Loading alert rules" />
      ) : (
        <RulesForm initial={rules.data} onSaved={rules.setData} />
      )}
    </div>
  );
}

function EventBadge({ event }: { event: AlertEvent['event'] }) {
  const tones: Record<AlertEvent['event'], BadgeTone> = { fired: 'danger', repeated: 'warning', resolved: 'success', test: 'info' };
  const labels: Record<AlertEvent['event'], string> = { fired: 'Fired', repeated: 'Still firing', resolved: 'Resolved', test: 'Test' };
  return <Badge tone={tones[event]}>{labels[event]}</Badge>;
}

function RulesForm({ initial, onSaved }: { initial: AlertRules; onSaved: (r: AlertRules) => void }) {
  const api = useApi();
  const toast = useToast();
  const [form, setForm] = useState<AlertRules>(initial);
  const [recipients, setRecipients] = useState(initial.email.recipients.join('\n'));
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'save' | 'test' | null>(null);

  const setRule = (i: number, patch: Partial<Rule>) => setForm((f) => ({ ...f, rules: f.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)) }));

  const save = async () => {
    setBusy('save');
    setError(null);
    setFields({});
    const body: AlertRules = {
      ...form,
      email: { ...form.email, recipients: recipients.split(/[\s,;]+/).filter(Boolean) },
    };
    try {
      const saved = await api.send<AlertRules>('PUT', ALERT_RULES_PATH, { body });
      setForm(saved);
      setRecipients(saved.email.recipients.join('\n'));
      onSaved(saved);
      toast('Alert rules saved');
    } catch (e) {
      if (e instanceof ApiError && Object.keys(e.fields).length > 0) setFields(e.fields);
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const test = async () => {
    setBusy('test');
    try {
      const sent = await api.send<{ channels: string[] }>('POST', ALERT_TEST_PATH);
      toast(`Test alert sent by ${sent.channels.join(', ')}`);
    } catch (e) {
      toast(`Could not send a test: ${errorMessage(e)}`, 'error');
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card
      title="Alert rules"
      headingId="system-alert-rules"
      className="system-wide"
      description="Each alert is sent once when it starts, again at most every few hours while it lasts, and once more when it resolves."
      footer={
        <div className="system-actions">
          <Button onClick={() => void save()} disabled={busy !== null}>
            {busy === 'save' ? 'Saving…' : 'Save alert rules'}
          </Button>
          <Button variant="secondary" onClick={() => void test()} disabled={busy !== null}>
            {busy === 'test' ? 'Sending…' : 'Send a test alert'}
          </Button>
        </div>
      }
    >
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
      <ul className="system-rules" aria-label="Rules">
        {form.rules.map((r, i) => {
          const meta = RULES[r.kind] ?? { title: r.kind };
          return (
            <li key={r.kind} className="system-rule">
              <label className="system-check">
                <input type="checkbox" checked={r.enabled} onChange={(e) => setRule(i, { enabled: e.target.checked })} />
                <span>{meta.title}</span>
              </label>
              {meta.threshold && (
                <label className="system-inline">
                  <Input
                    type="number"
                    aria-label={`${meta.title}: threshold`}
                    value={r.threshold ?? ''}
                    onChange={(e) => setRule(i, { threshold: e.target.value === '' ? null : Number(e.target.value) })}
                    aria-invalid={fields[`rules[${i}].threshold`] ? true : undefined}
                  />
                  <span className="muted">{meta.threshold}</span>
                </label>
              )}
              {meta.minCount && (
                <label className="system-inline">
                  <span className="muted">{meta.minCount.split('…')[0]}</span>
                  <Input
                    type="number"
                    aria-label={`${meta.title}: minimum count`}
                    value={r.min_count ?? ''}
                    onChange={(e) => setRule(i, { min_count: e.target.value === '' ? null : Number(e.target.value) })}
                  />
                  <span className="muted">{meta.minCount.split('…')[1]}</span>
                </label>
              )}
              {(fields[`rules[${i}].threshold`] || fields[`rules[${i}].min_count`]) && (
                <p className="field-error">{fields[`rules[${i}].threshold`] ?? fields[`rules[${i}].min_count`]}</p>
              )}
            </li>
          );
        })}
      </ul>
      <Field label="Repeat a lasting alert every (hours)" error={fields.repeat_hours} className="system-narrow">
        {(c) => <Input {...c} type="number" value={form.repeat_hours} onChange={(e) => setForm({ ...form, repeat_hours: Number(e.target.value) })} />}
      </Field>
      <h3 className="system-subtitle">Where alerts go</h3>
      <label className="system-check">
        <input type="checkbox" checked={form.email.enabled} onChange={(e) => setForm({ ...form, email: { ...form.email, enabled: e.target.checked } })} />
        <span>Email</span>
      </label>
      <Field
        label="Email recipients"
        hint="One address a line. Empty: the workspace’s owners and admins."
        error={Object.entries(fields).find(([k]) => k.startsWith('email.'))?.[1]}
      >
        {(c) => <Textarea {...c} rows={2} value={recipients} onChange={(e) => setRecipients(e.target.value)} />}
      </Field>
      <label className="system-check">
        <input type="checkbox" checked={form.slack.enabled} onChange={(e) => setForm({ ...form, slack: { ...form.slack, enabled: e.target.checked } })} />
        <span>Slack (through the workspace’s Slack connection)</span>
      </label>
      <Field label="Slack channel" hint="A channel id or #name the Parley app can post to." error={fields['slack.channel']}>
        {(c) => <Input {...c} value={form.slack.channel} placeholder="#ops" onChange={(e) => setForm({ ...form, slack: { ...form.slack, channel: e.target.value } })} />}
      </Field>
      <label className="system-check">
        <input type="checkbox" checked={form.webhook.enabled} onChange={(e) => setForm({ ...form, webhook: { ...form.webhook, enabled: e.target.checked } })} />
        <span>Signed webhook</span>
      </label>
      <Field label="Webhook URL" hint="Parley POSTs JSON signed with X-Parley-Signature (HMAC-SHA256 of the body)." error={fields['webhook.url']}>
        {(c) => <Input {...c} value={form.webhook.url} placeholder="https://ops.example.com/parley" onChange={(e) => setForm({ ...form, webhook: { ...form.webhook, url: e.target.value } })} />}
      </Field>
      {form.webhook_secret && (
        <div className="system-secret">
          <span className="muted">Signing secret</span> <code>{form.webhook_secret}</code> <CopyButton text={form.webhook_secret} ariaLabel="Copy the webhook signing secret" />
        </div>
      )}
    </Card>
  );
}

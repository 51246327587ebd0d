import { useEffect, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { Me } from '../../api/types';
import { useMe, useSession } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import {
  settingsBody,
  settingsErrors,
  timeZoneOptions,
  type SettingsForm,
  type WorkspaceList,
  type WorkspaceSettings,
} from './workspaces';
import './workspaces.css';

export function WorkspaceSettingsPage() {
  const api = useApi();
  const settings = useResource(() => api.send<WorkspaceSettings>('GET', '/api/v1/workspace'), 'workspace-settings');
  return (
    <>
      <PageHeader title="Workspace settings" description="Name, time zone and default language." />
      <div className="workspace-settings">
        {settings.error !== undefined ? (
          <LoadError error={settings.error} onRetry={settings.reload} />
        ) : settings.data === undefined ? (
          <Loading label="Loading settings" />
        ) : (
          <SettingsCard saved={settings.data} onSaved={settings.setData} />
        )}
        <WorkspacesCard />
      </div>
    </>
  );
}

function SettingsCard({ saved, onSaved }: { saved: WorkspaceSettings; onSaved: (s: WorkspaceSettings) => void }) {
  const api = useApi();
  const toast = useToast();
  const { signedIn } = useSession();
  const me = useMe();
  const [form, setForm] = useState<SettingsForm>({ name: saved.name, timeZone: saved.time_zone ?? '', botLanguage: saved.bot_language ?? '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const zones = timeZoneOptions(saved.time_zone);
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const found = settingsErrors(form);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const result = await api.send<WorkspaceSettings>('PUT', '/api/v1/workspace', { body: settingsBody(form) });
      onSaved(result);
      // The header shows the workspace's name.
      signedIn({ ...me, workspace: { ...me.workspace, name: result.name } });
      toast('Workspace settings saved');
    } catch (e) {
      const fields = e instanceof ApiError ? e.fields : {};
      setErrors(fields);
      if (Object.keys(fields).length === 0) setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const set = (key: keyof SettingsForm) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  return (
    <Card title="Workspace" headingId="workspace-settings-heading" description="What the team and analytics see.">
      <form className="form-stack" onSubmit={submit} noValidate>
        {error && (
          <div className="alert alert-error" role="alert">
            {error}
          </div>
        )}
        <Field label="Name" error={errors.name}>
          {(p) => <Input {...p} name="name" value={form.name} onChange={(e) => set('name')(e.target.value)} />}
        </Field>
        <Field
          label="Time zone"
          error={errors.time_zone}
          hint="Analytics count days from midnight in this zone."
          aside={
            browserZone && browserZone !== 'UTC' && form.timeZone !== browserZone ? (
              <Button size="sm" variant="ghost" onClick={() => set('timeZone')(browserZone)}>
                Use {browserZone}
              </Button>
            ) : undefined
          }
        >
          {(p) => (
            <Select {...p} name="time_zone" value={form.timeZone} onChange={(e) => set('timeZone')(e.target.value)}>
              <option value="">UTC (default)</option>
              {zones.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Default language of bots" error={errors.bot_language} hint="A language code such as en, fr or pt-BR. Leave empty for none." aside="optional">
          {(p) => <Input {...p} name="bot_language" placeholder="en" value={form.botLanguage} onChange={(e) => set('botLanguage')(e.target.value)} />}
        </Field>
        <div className="workspace-form-actions">
          <Button type="submit" variant="primary" loading={busy}>
            Save settings
          </Button>
        </div>
      </form>
    </Card>
  );
}

function WorkspacesCard() {
  const api = useApi();
  const toast = useToast();
  const list = useResource(() => api.send<WorkspaceList>('GET', '/api/v1/workspaces'), 'workspaces');
  const [switching, setSwitching] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [nameError, setNameError] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);

  const switchTo = async (id: string) => {
    setSwitching(id);
    try {
      await api.send<Me>('POST', `/api/v1/workspaces/${encodeURIComponent(id)}/switch`);
      // Every page's data belongs to the workspace: start the app afresh there.
      window.location.assign(window.location.pathname.replace(/\/settings$/, '/inbox'));
    } catch (e) {
      toast(errorMessage(e), 'error');
      setSwitching(null);
    }
  };

  const create = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setNameError('Enter a name');
      return;
    }
    setNameError(undefined);
    setCreating(true);
    try {
      await api.send('POST', '/api/v1/workspaces', { body: { name: name.trim() } });
      toast(`Workspace "${name.trim()}" created`);
      setName('');
      await list.reload();
    } catch (e) {
      if (e instanceof ApiError && e.fields.name) setNameError(e.fields.name);
      else toast(errorMessage(e), 'error');
    } finally {
      setCreating(false);
    }
  };

  useEffect(() => setNameError(undefined), [name]);

  return (
    <Card title="Your workspaces" headingId="your-workspaces-heading" description="Workspaces you belong to. Switching changes what every page shows.">
      {list.error !== undefined ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <Loading label="Loading workspaces" />
      ) : (
        <div className="form-stack">
          <ul className="workspace-list" aria-label="Your workspaces">
            {list.data.items.map((w) => (
              <li key={w.id} className="workspace-row">
                <span className="workspace-avatar" aria-hidden="true">
                  {w.name.trim().charAt(0).toUpperCase() || 'W'}
                </span>
                <span className="strong">{w.name}</span>
                <span className="capitalize muted">{w.role}</span>
                <span className="workspace-row-action">
                  {w.current ? (
                    <Badge tone="info">Current</Badge>
                  ) : (
                    <Button size="sm" loading={switching === w.id} onClick={() => void switchTo(w.id)} aria-label={`Switch to ${w.name}`}>
                      Switch
                    </Button>
                  )}
                </span>
              </li>
            ))}
          </ul>
          {list.data.can_create ? (
            <form className="workspace-create" onSubmit={create} noValidate>
              <Field label="New workspace" error={nameError} hint="You become its owner; bots, conversations and members are separate from this one.">
                {(p) => <Input {...p} name="workspace_name" placeholder="e.g. Acme Europe" value={name} onChange={(e) => setName(e.target.value)} />}
              </Field>
              <Button type="submit" loading={creating}>
                Create workspace
              </Button>
            </form>
          ) : (
            list.data.items.length === 1 && (
              <p className="field-hint">To work in another workspace, ask its owner for an invitation. Operators create workspaces with parley admin create-workspace.</p>
            )
          )}
        </div>
      )}
    </Card>
  );
}

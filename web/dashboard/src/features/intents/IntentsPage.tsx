import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { ApiError, errorMessage } from '../../api/errors';
import type { InsightSettings } from '../../api/insight';
import type { Bot } from '../../api/types';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { intentLabel } from '../../ui/insight/insight';
import { LoadError, Loading } from '../../ui/Page';
import { useToast } from '../../ui/Toast';
import { IntentFields } from './IntentFields';
import {
  BUILTIN_INTENTS,
  MAX_INTENTS,
  emptyDraft,
  fromDraft,
  hasChanges,
  toDrafts,
  validateDrafts,
  type DraftErrors,
  type IntentDraft,
} from './intents';
import { TryMessage } from './TryMessage';

/** /bots/:id/intents, inside the app's bot sub-page frame (header and tabs). */
export function IntentsPage({ bot }: { bot: Bot }) {
  const api = useApi();
  const settings = useResource(() => api.intents.get(bot.id), `intents:${bot.id}`);
  if (settings.error !== undefined && settings.data === undefined) return <LoadError error={settings.error} onRetry={settings.reload} />;
  if (settings.data === undefined) return <Loading label="Loading intents" />;
  return <IntentsEditor botId={bot.id} saved={settings.data} onSaved={settings.setData} />;
}

function IntentsEditor({
  botId,
  saved,
  onSaved,
}: {
  botId: string;
  saved: InsightSettings;
  onSaved: (settings: InsightSettings) => void;
}) {
  const api = useApi();
  const me = useMe();
  const toast = useToast();
  const manage = canManage(me.role);
  const [drafts, setDrafts] = useState<IntentDraft[]>(() => toDrafts(saved.intents));
  const [errors, setErrors] = useState<Record<string, DraftErrors>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const dirty = hasChanges(drafts, saved.intents);
  const formRef = useRef<HTMLFormElement>(null);
  // Where focus goes after a render: the first bad field, or a just-added intent's name.
  const [focusTarget, setFocusTarget] = useState<{ selector: string } | null>(null);

  useEffect(() => {
    if (!focusTarget) return;
    formRef.current?.querySelector<HTMLElement>(focusTarget.selector)?.focus();
    setFocusTarget(null);
  }, [focusTarget]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const change = (key: string, patch: Partial<IntentDraft>) => {
    setDrafts((ds) => ds.map((d) => (d.key === key ? { ...d, ...patch } : d)));
    setFormError(null);
    setErrors((e) => {
      if (!e[key]) return e;
      const cleared = { ...e[key] };
      for (const field of Object.keys(patch)) delete cleared[field as keyof DraftErrors];
      return { ...e, [key]: cleared };
    });
  };

  const add = () => {
    const draft = emptyDraft();
    setDrafts((ds) => [...ds, draft]);
    setFocusTarget({ selector: `[data-intent="${draft.key}"] input` });
  };

  const remove = (key: string) => {
    setDrafts((ds) => ds.filter((d) => d.key !== key));
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => k !== key)));
    setFormError(null);
  };

  const discard = () => {
    setDrafts(toDrafts(saved.intents));
    setErrors({});
    setFormError(null);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!manage) return;
    const problems = validateDrafts(drafts);
    setErrors(problems);
    setFormError(null);
    if (Object.keys(problems).length > 0) {
      setFormError('Some intents need attention.');
      setFocusTarget({ selector: '[aria-invalid="true"]' });
      return;
    }
    setSaving(true);
    try {
      // The thresholds go back as they came: this page edits only the intents.
      const next = await api.intents.save(botId, { ...saved, intents: drafts.map(fromDraft) });
      onSaved(next);
      setDrafts(toDrafts(next.intents));
      toast('Intents saved');
    } catch (e) {
      // The server names the culprit in `fields.intents` ("intent \"x\": phrase … has no words").
      setFormError(e instanceof ApiError ? (e.fields.intents ?? e.message) : errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const status = formError ?? (dirty ? 'You have unsaved changes' : 'All changes saved');

  return (
    <div className="detail-grid">
      <form ref={formRef} className="detail-main" onSubmit={save} noValidate aria-label="Custom intents">
        <div className="section-header">
          <div>
            <h2 className="section-title">Custom intents</h2>
            <p className="section-description">
              {drafts.length === 0
                ? 'None yet: only the built-in intents are detected.'
                : `${drafts.length} of at most ${MAX_INTENTS}. Each adds its lead points to a conversation once detected.`}
            </p>
          </div>
          {manage && (
            <Button variant="primary" onClick={add} disabled={drafts.length >= MAX_INTENTS}>
              Add intent
            </Button>
          )}
        </div>
        {!manage && (
          <div className="alert alert-info" role="note">
            You have read-only access to bots. Ask an admin to change intents.
          </div>
        )}
        {drafts.length > 0 && (
          <ol className="intent-list" aria-label="Custom intents">
            {drafts.map((d) => (
              <li key={d.key} data-intent={d.key}>
                <IntentFields draft={d} errors={errors[d.key] ?? {}} readOnly={!manage} onChange={(patch) => change(d.key, patch)} onRemove={() => remove(d.key)} />
              </li>
            ))}
          </ol>
        )}
        {manage && (
          <div className={dirty || formError ? 'save-bar save-bar-dirty' : 'save-bar'}>
            <span className={formError ? 'save-bar-status save-bar-error' : 'save-bar-status'} role={formError ? 'alert' : undefined} aria-live="polite">
              {status}
            </span>
            <Button onClick={discard} disabled={!dirty || saving}>
              Discard
            </Button>
            <Button type="submit" variant="primary" loading={saving} disabled={!dirty}>
              Save intents
            </Button>
          </div>
        )}
      </form>

      <aside className="detail-side" aria-label="Try and reference">
        <TryMessage botId={botId} unsaved={dirty} threshold={saved.config.intent_threshold} />
        <Card title="Built-in intents" headingId="builtin-heading" description="Always detected; custom names cannot reuse them.">
          <ul className="intent-chips" aria-labelledby="builtin-heading">
            {BUILTIN_INTENTS.map((name) => (
              <li key={name} className="intent-chip" title={name}>
                {intentLabel(name)}
              </li>
            ))}
          </ul>
        </Card>
      </aside>
    </div>
  );
}

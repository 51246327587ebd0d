import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Select, Textarea } from '../../ui/Input';
import { formatRelative } from '../../ui/format';
import { useToast } from '../../ui/Toast';
import type { Detail } from './contract';
import {
  VERDICTS,
  buildCorrection,
  draftFrom,
  effectiveResult,
  latestPerImage,
  notesSignature,
  overlayBoxes,
  type AnalysisView,
  type Draft,
} from './imageAnalysis';
import { isImage } from './Transcript';

const KIND_LABEL: Record<string, string> = { condition: 'Condition', invoice: 'Invoice', count: 'Count', describe: 'Description' };
const STATUS_TONE: Record<string, 'neutral' | 'success' | 'warning' | 'danger' | 'info'> = {
  queued: 'info',
  done: 'success',
  unavailable: 'warning',
  failed: 'danger',
};

/**
 * What was read from the conversation's images, with the agent's corrections: one card per
 * image (its newest analysis), the count's boxes drawn over the photo, "Correct" for any
 * member and "Analyse again as" for managers. Fetched again whenever a live
 * `image.analyzed` changes a line under an image (the signature of those lines is the key).
 */
export function ImageAnalyses({ detail, now }: { detail: Detail; now: number }) {
  const api = useApi();
  const id = detail.conversation.id;
  const signature = notesSignature(detail);
  const list = useResource(
    () => api.send<{ items: AnalysisView[] }>('GET', `/api/v1/conversations/${encodeURIComponent(id)}/images`),
    `images:${id}:${signature}`,
  );
  if (signature === '' && !list.data?.items.length) return null;
  const urls = new Map<string, string>();
  for (const m of detail.messages) for (const a of (m.attachments ?? []).filter(isImage)) if (a.image_id) urls.set(a.image_id, a.url);
  const items = latestPerImage(list.data?.items ?? []);
  return (
    <section className="insight-block image-analyses" aria-labelledby="images-heading">
      <h3 className="insight-title" id="images-heading">
        Images
      </h3>
      {list.data === undefined ? (
        <p className="muted small">{list.error === undefined ? 'Loading what was read from the images…' : `Could not load the analyses: ${errorMessage(list.error)}`}</p>
      ) : (
        <ul className="image-analysis-list">
          {items.map((a) => (
            <li key={a.id}>
              <AnalysisCard analysis={a} url={urls.get(a.image_id)} now={now} onSaved={() => void list.reload()} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function AnalysisCard({ analysis: a, url, now, onSaved }: { analysis: AnalysisView; url: string | undefined; now: number; onSaved: () => void }) {
  const api = useApi();
  const toast = useToast();
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const [rerun, setRerun] = useState(false);
  const result = effectiveResult(a);
  const boxes = overlayBoxes(a.result ?? result);
  const kind = KIND_LABEL[a.kind] ?? a.kind;
  const line = a.correction?.summary ?? a.summary ?? (a.status === 'queued' ? 'Analysing…' : a.error ?? 'No result');

  const again = async (k: string) => {
    setRerun(true);
    try {
      await api.send('POST', `/api/v1/images/${encodeURIComponent(a.image_id)}/analyze`, { body: { kind: k } });
      toast(`Analysing the image again as ${KIND_LABEL[k]?.toLowerCase() ?? k}.`);
    } catch (e) {
      toast(errorMessage(e), 'error');
    } finally {
      setRerun(false);
    }
  };

  return (
    <div className="image-analysis" data-testid="image-analysis">
      {url && (
        <div className="image-analysis-photo">
          <img src={url} alt={`${kind} photo`} />
          {boxes.map((b, i) => (
            <span
              key={i}
              className="count-box"
              aria-hidden="true"
              style={{ left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.width * 100}%`, height: `${b.height * 100}%` }}
            />
          ))}
        </div>
      )}
      <div className="image-analysis-body">
        <p className="image-analysis-head">
          <strong>{kind}</strong> <Badge tone={STATUS_TONE[a.status] ?? 'neutral'}>{a.status === 'done' ? (a.correction ? 'corrected' : 'done') : a.status}</Badge>
          {boxes.length > 0 && <span className="muted small"> · {boxes.length === 1 ? '1 box' : `${boxes.length} boxes`} drawn</span>}
        </p>
        <p className="image-analysis-line">{line}</p>
        {a.correction ? (
          <p className="muted small image-analysis-corrected">
            Corrected by {a.correction.by} · {formatRelative(a.correction.at, now)}
            {a.correction.note ? ` · “${a.correction.note}”` : ''}
            {a.summary ? <> · read first: {a.summary}</> : null}
          </p>
        ) : (
          a.status !== 'queued' && (
            <p className="muted small">
              {a.method === 'model' ? `Vision model ${a.provider ?? ''}` : a.method === 'offline' ? `Offline (${a.provider ?? 'local'})` : 'Not analysed'}
              {a.analyze_ms !== null ? ` · ${a.analyze_ms} ms` : ''}
            </p>
          )
        )}
        {!editing && a.status !== 'queued' && (
          <div className="image-analysis-actions">
            <Button size="sm" onClick={() => setEditing(true)}>
              Correct
            </Button>
            {canManage(me.role) && (
              <Select
                aria-label="Analyse again as"
                value=""
                disabled={rerun}
                onChange={(e) => {
                  if (e.target.value) void again(e.target.value);
                }}
              >
                <option value="">Analyse again as…</option>
                {Object.entries(KIND_LABEL).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </Select>
            )}
          </div>
        )}
        {editing && (
          <CorrectionForm
            analysis={a}
            onDone={(saved) => {
              setEditing(false);
              if (saved) onSaved();
            }}
          />
        )}
      </div>
    </div>
  );
}

function CorrectionForm({ analysis: a, onDone }: { analysis: AnalysisView; onDone: (saved: boolean) => void }) {
  const api = useApi();
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(() => draftFrom(effectiveResult(a)));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const built = buildCorrection(a.kind, draft, effectiveResult(a));
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await api.send('PUT', `/api/v1/images/${encodeURIComponent(a.image_id)}/analysis`, { body: built.body });
      toast('Correction saved. Workflows see it as the image’s analysis.');
      onDone(true);
    } catch (err) {
      setErrors({ form: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="correction-form" onSubmit={submit} aria-label="Correct the analysis">
      {a.kind === 'condition' && (
        <>
          <Field label="Verdict">
            {(p) => (
              <Select {...p} value={draft.verdict} onChange={(e) => set({ verdict: e.target.value })}>
                {VERDICTS.map((v) => (
                  <option key={v.value} value={v.value}>
                    {v.label}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          {(draft.verdict === 'damaged' || draft.verdict === 'used') && (
            <fieldset className="correction-damages">
              <legend>Damage</legend>
              {draft.damages.map((d, i) => (
                <div key={i} className="correction-damage">
                  <Input aria-label={`Where (damage ${i + 1})`} placeholder="where, e.g. left hinge" value={d.location} onChange={(e) => set({ damages: draft.damages.map((x, j) => (j === i ? { ...x, location: e.target.value } : x)) })} />
                  <Input aria-label={`What (damage ${i + 1})`} placeholder="what, e.g. a crack" value={d.description} onChange={(e) => set({ damages: draft.damages.map((x, j) => (j === i ? { ...x, description: e.target.value } : x)) })} />
                  <Select aria-label={`Severity (damage ${i + 1})`} value={d.severity} onChange={(e) => set({ damages: draft.damages.map((x, j) => (j === i ? { ...x, severity: e.target.value as typeof d.severity } : x)) })}>
                    <option value="minor">minor</option>
                    <option value="moderate">moderate</option>
                    <option value="severe">severe</option>
                  </Select>
                  <Button size="sm" variant="ghost" aria-label={`Remove damage ${i + 1}`} onClick={() => set({ damages: draft.damages.filter((_, j) => j !== i) })}>
                    ×
                  </Button>
                </div>
              ))}
              <Button size="sm" variant="ghost" onClick={() => set({ damages: [...draft.damages, { location: '', description: '', severity: 'moderate' }] })}>
                Add damage
              </Button>
              {errors.damages && <p className="field-error">{errors.damages}</p>}
            </fieldset>
          )}
          <Field label="Why" error={errors.reason}>
            {(p) => <Textarea {...p} rows={2} value={draft.reason} onChange={(e) => set({ reason: e.target.value })} />}
          </Field>
        </>
      )}
      {a.kind === 'invoice' && (
        <div className="correction-grid">
          {(
            [
              ['vendor', 'Vendor'],
              ['invoice_number', 'Invoice number'],
              ['date', 'Date (YYYY-MM-DD)'],
              ['currency', 'Currency'],
              ['subtotal', 'Subtotal'],
              ['tax', 'Tax'],
              ['total', 'Total'],
            ] as const
          ).map(([k, label]) => (
            <Field key={k} label={label} error={errors[k]}>
              {(p) => <Input {...p} value={draft[k]} onChange={(e) => set({ [k]: e.target.value } as Partial<Draft>)} />}
            </Field>
          ))}
        </div>
      )}
      {a.kind === 'count' && (
        <div className="correction-grid">
          <Field label="What" error={errors.what}>
            {(p) => <Input {...p} value={draft.what} onChange={(e) => set({ what: e.target.value })} />}
          </Field>
          <Field label="Count" error={errors.count}>
            {(p) => <Input {...p} inputMode="numeric" value={draft.count} onChange={(e) => set({ count: e.target.value })} />}
          </Field>
        </div>
      )}
      {a.kind === 'describe' && (
        <Field label="Description" error={errors.description}>
          {(p) => <Textarea {...p} rows={2} value={draft.description} onChange={(e) => set({ description: e.target.value })} />}
        </Field>
      )}
      <Field label="Note" aside="optional">
        {(p) => <Input {...p} value={draft.note} maxLength={1000} onChange={(e) => set({ note: e.target.value })} />}
      </Field>
      {errors.form && (
        <p className="field-error" role="alert">
          {errors.form}
        </p>
      )}
      <div className="image-analysis-actions">
        <Button type="submit" variant="primary" size="sm" loading={busy}>
          Save correction
        </Button>
        <Button size="sm" variant="ghost" onClick={() => onDone(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

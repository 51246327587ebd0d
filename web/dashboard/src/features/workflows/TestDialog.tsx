import { useEffect, useMemo, useState } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Select, Textarea } from '../../ui/Input';
import { Dialog } from '../../ui/Modal';
import type { TestResult, WorkflowView } from './contract';
import { SAMPLE_CONTEXT, actionLabel, samplePayload, secondsWords } from './graph';
import { workflowsApi } from './workflowsApi';

interface RecentConversation {
  id: string;
  preview: string | null;
}

function parseObject(label: string, text: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return { value: {} };
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: `${label} must be a JSON object.` };
    return { value: v as Record<string, unknown> };
  } catch (e) {
    return { error: `${label} is not valid JSON: ${errorMessage(e)}` };
  }
}

/**
 * The dry run: an imagined event (pre-filled for the trigger, or naming a recent real
 * conversation) walked through the saved version; nothing is written or sent.
 */
export function TestDialog({
  open,
  workflow,
  onClose,
  onResult,
  describe,
}: {
  open: boolean;
  workflow: WorkflowView;
  onClose: () => void;
  onResult: (r: TestResult | null) => void;
  describe: (nodeId: string) => string;
}) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const trigger = workflow.graph.nodes.find((n) => n.type === 'trigger');
  const event = trigger?.data.event ?? workflow.trigger_event;
  const [conversation, setConversation] = useState('');
  const [payload, setPayload] = useState('');
  const [context, setContext] = useState('');
  const [recent, setRecent] = useState<RecentConversation[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<TestResult | null>(null);

  useEffect(() => {
    if (!open) return;
    setPayload(JSON.stringify(samplePayload(event), null, 2));
    setContext(JSON.stringify(SAMPLE_CONTEXT, null, 2));
    setConversation('');
    setResult(null);
    setError(null);
    api.conversations
      .list({ limit: 10 })
      .then((list) => setRecent(list.items.map((c) => ({ id: c.id, preview: c.preview ?? null }))))
      .catch(() => setRecent([]));
  }, [open, event, api]);

  const pick = (id: string) => {
    setConversation(id);
    setPayload(JSON.stringify(samplePayload(event, id || undefined), null, 2));
    // A real conversation brings its own visitor, lead and sentiment.
    setContext(id ? '' : JSON.stringify(SAMPLE_CONTEXT, null, 2));
  };

  const run = async () => {
    const p = parseObject('The payload', payload);
    const c = parseObject('The context', context);
    if (p.error || c.error) {
      setError(p.error ?? c.error ?? null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await wapi.test(workflow.id, {
        event: { name: event, payload: p.value },
        ...(context.trim() ? { context: c.value } : {}),
      });
      setResult(r);
      onResult(r.trigger_matches ? r : null);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      size="lg"
      title="Test the workflow"
      description={`A dry run of version ${workflow.version}: the path an event would take, and what each action would be given. Nothing is sent or written.`}
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <Button onClick={onClose}>Close</Button>
          <Button variant="primary" onClick={() => void run()} loading={busy}>
            Run the test
          </Button>
        </>
      }
    >
      <div className="wf-test">
        <div className="wf-test-form">
          <Field label="Event">{(control) => <Input {...control} value={event} readOnly />}</Field>
          <Field label="From a recent conversation" aside="optional">
            {(control) => (
              <Select {...control} value={conversation} onChange={(e) => pick(e.target.value)}>
                <option value="">None: use the sample context</option>
                {(recent ?? []).map((c) => (
                  <option key={c.id} value={c.id}>
                    {(c.preview ?? 'No messages').slice(0, 60)}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Event payload (JSON)">
            {(control) => <Textarea {...control} className="wf-mono" rows={5} value={payload} onChange={(e) => setPayload(e.target.value)} spellCheck={false} />}
          </Field>
          <Field label="Context overrides (JSON)" aside="optional" hint="Replaces top-level keys: visitor, lead, conversation, sentiment.">
            {(control) => <Textarea {...control} className="wf-mono" rows={6} value={context} onChange={(e) => setContext(e.target.value)} spellCheck={false} />}
          </Field>
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <div className="wf-test-result" aria-live="polite">
          {result === null ? (
            <p className="muted">Run the test to see the path here and on the canvas.</p>
          ) : !result.trigger_matches ? (
            <p className="alert alert-warning">This event would not start the workflow: the trigger's event or its filter does not match.</p>
          ) : (
            <>
              <p className="wf-test-summary">
                The path ({result.dry_run.steps.length} step{result.dry_run.steps.length === 1 ? '' : 's'}
                {result.dry_run.complete ? '' : ', stopped in a loop'}), highlighted on the canvas:
              </p>
              <ol className="wf-test-steps" aria-label="Test path">
                {result.dry_run.steps.map((s, i) => (
                  <li key={i}>
                    <span className="wf-test-node">{describe(s.node_id)}</span>
                    {s.type === 'branch' && s.branch && <span className="wf-test-branch"> → {s.branch}</span>}
                    {s.type === 'delay' && <span className="wf-test-branch"> (waits {secondsWords(Math.round(s.ms / 1000))})</span>}
                    {s.type === 'end' && <span className="wf-test-branch"> ({s.status})</span>}
                    {s.type === 'action' && (
                      <details>
                        <summary>{actionLabel(s.kind)} would get</summary>
                        <pre className="wf-json">{JSON.stringify(s.input, null, 2)}</pre>
                      </details>
                    )}
                  </li>
                ))}
              </ol>
            </>
          )}
        </div>
      </div>
    </Dialog>
  );
}

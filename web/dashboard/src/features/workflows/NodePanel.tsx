import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input, Select } from '../../ui/Input';
import { actionFields, displayValue, localProblems, parseValue, setParam, type ParamField } from './catalogForm';
import type { ActionSpec, GraphEdge, GraphNode, NodeData, SplitBranch, ValidationIssue } from './contract';
import { EVENTS, NODE_TYPES, actionLabel, describeNode, durationSeconds, errorColumn, hasInput, outHandles, targetOf } from './graph';
import { IntegrationPicker, pickerFor } from './integrationPickers';
import { TemplateField } from './TemplateField';

export interface NodePanelProps {
  node: GraphNode;
  nodes: GraphNode[];
  edges: GraphEdge[];
  catalog: ActionSpec[];
  issues: ValidationIssue[];
  readOnly: boolean;
  onData: (data: NodeData) => void;
  onConnect: (handle: string | null, target: string | null) => void;
  onDelete: () => void;
}

const UNITS: Array<{ value: string; label: string; seconds: number }> = [
  { value: 's', label: 'seconds', seconds: 1 },
  { value: 'm', label: 'minutes', seconds: 60 },
  { value: 'h', label: 'hours', seconds: 3600 },
  { value: 'd', label: 'days', seconds: 86_400 },
];

/** An expression's error with a caret under the column the API reported. */
function ExpressionError({ expression, issues }: { expression: string; issues: ValidationIssue[] }) {
  const issue = issues.find((i) => i.code === 'invalid_expression');
  if (!issue) return null;
  const column = errorColumn(issue.message);
  return (
    <div className="wf-expr-error" role="alert">
      {column !== null && (
        <pre className="wf-mono wf-expr-caret" aria-hidden="true">
          {expression}
          {'\n'}
          {' '.repeat(Math.max(0, column - 1))}^
        </pre>
      )}
      <p className="field-error">{issue.message}</p>
    </div>
  );
}

function ParamInput({
  f,
  node,
  spec,
  readOnly,
  problem,
  onData,
}: {
  f: ParamField;
  node: GraphNode;
  spec: ActionSpec;
  readOnly: boolean;
  problem: string | undefined;
  onData: (data: NodeData) => void;
}) {
  const value = node.data.params?.[f.name];
  const set = (input: string | boolean) => onData({ ...node.data, params: setParam(node.data.params, f.name, parseValue(f, input)) });
  const picker = spec.needs_integration ? pickerFor(spec.kind, f.name) : null;
  return (
    <Field label={f.label} aside={f.required ? undefined : 'optional'} hint={f.hint} error={problem}>
      {(control) => (
        <>
          {f.control === 'checkbox' ? (
            <input type="checkbox" {...control} checked={value === true} disabled={readOnly} onChange={(e) => set(e.target.checked)} />
          ) : f.control === 'select' ? (
            <Select {...control} value={displayValue(value)} disabled={readOnly} onChange={(e) => set(e.target.value)}>
              <option value="">Choose…</option>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </Select>
          ) : readOnly ? (
            <Input {...control} value={displayValue(value)} readOnly />
          ) : (
            <TemplateField
              {...control}
              mode="template"
              multiline={f.control === 'textarea' || f.control === 'json'}
              mono={f.control === 'json' || f.control === 'url'}
              value={displayValue(value)}
              placeholder={f.control === 'url' ? 'https://example.com/hook' : f.templates ? 'Type {{ for context values' : undefined}
              onChange={(text) => set(text)}
            />
          )}
          {spec.needs_integration && !readOnly && (f.name === node_first_param(spec) || picker) && (
            <IntegrationPicker
              integration={spec.needs_integration}
              kind={picker}
              spreadsheetId={typeof node.data.params?.spreadsheet_id === 'string' ? node.data.params.spreadsheet_id : undefined}
              value={displayValue(value)}
              label={f.label}
              onPick={(v) => v && set(v)}
            />
          )}
        </>
      )}
    </Field>
  );
}

/** The connection note shows once per action, under its first parameter (unless a picker shows it). */
function node_first_param(spec: ActionSpec): string | undefined {
  return spec.required[0]?.name ?? spec.optional[0]?.name;
}

/** The side panel: the selected node's settings, its connections, and its problems. */
export function NodePanel({ node, nodes, edges, catalog, issues, readOnly, onData, onConnect, onDelete }: NodePanelProps) {
  const d = node.data;
  const typeLabel = NODE_TYPES.find((t) => t.type === node.type)?.label ?? node.type;
  const spec = node.type === 'action' ? catalog.find((a) => a.kind === d.action) : undefined;
  const problems = spec ? localProblems(spec, d.params) : {};
  const paramIssue = (name: string) =>
    issues.find((i) => ['missing_param', 'invalid_param', 'invalid_template'].includes(i.code) && i.message.includes(name))?.message;
  const targets = nodes.filter((n) => n.id !== node.id && hasInput(n.type));
  const custom = d.event?.startsWith('external:') ?? false;

  const delay = (() => {
    const seconds = d.seconds ?? (d.duration ? durationSeconds(d.duration) : undefined) ?? 900;
    const unit = [...UNITS].reverse().find((u) => seconds % u.seconds === 0) ?? UNITS[0]!;
    return { amount: seconds / unit.seconds, unit: unit.value };
  })();
  const setDelay = (amount: number, unit: string) => {
    const rest = { ...d };
    delete rest.seconds;
    onData({ ...rest, duration: `${Math.max(1, Math.floor(amount) || 1)}${unit}` });
  };

  const setBranches = (branches: SplitBranch[]) => onData({ ...d, branches });

  return (
    <section className="wf-panel" aria-label={`${typeLabel} settings`}>
      <header className="wf-panel-head">
        <div>
          <p className="wf-panel-kind">{typeLabel}</p>
          <h2 className="wf-panel-title">{describeNode(node)}</h2>
          <p className="wf-panel-id">
            Id <code>{node.id}</code>
          </p>
        </div>
      </header>

      {issues.length > 0 && (
        <ul className="wf-panel-issues" aria-label="Problems with this node">
          {issues.map((i, n) => (
            <li key={n}>{i.message}</li>
          ))}
        </ul>
      )}

      <fieldset className="wf-fieldset" disabled={readOnly}>
        <legend className="sr-only">Settings</legend>
        {node.type === 'trigger' && (
          <>
            <Field label="Starts when">
              {(control) => (
                <Select
                  {...control}
                  value={custom ? 'external' : (d.event ?? '')}
                  onChange={(e) => onData({ ...d, event: e.target.value === 'external' ? 'external:my_event' : e.target.value })}
                >
                  {EVENTS.map((e) => (
                    <option key={e.value} value={e.value}>
                      {e.label}
                    </option>
                  ))}
                  <option value="external">An external event (POST /api/v1/events)</option>
                </Select>
              )}
            </Field>
            {custom && (
              <Field label="External event name" hint="Letters, digits, _ . and - ; send it with POST /api/v1/events.">
                {(control) => (
                  <Input {...control} value={d.event!.slice('external:'.length)} onChange={(e) => onData({ ...d, event: `external:${e.target.value}` })} />
                )}
              </Field>
            )}
            <Field label="Only if" aside="optional" hint="An expression, e.g. intent == &quot;bulk_order&quot;">
              {(control) => <TemplateField {...control} mode="expression" mono value={d.filter ?? ''} onChange={(filter) => onData({ ...d, filter })} />}
            </Field>
            <ExpressionError expression={d.filter ?? ''} issues={issues} />
          </>
        )}

        {node.type === 'condition' && (
          <>
            <Field label="Expression" hint="e.g. lead.score >= 80 and visitor.email contains &quot;@acme.com&quot;">
              {(control) => (
                <TemplateField {...control} mode="expression" mono value={d.expression ?? ''} onChange={(expression) => onData({ ...d, expression })} />
              )}
            </Field>
            <ExpressionError expression={d.expression ?? ''} issues={issues} />
          </>
        )}

        {node.type === 'action' && (
          <>
            <Field label="Action">
              {(control) => (
                <Select {...control} value={d.action ?? ''} onChange={(e) => onData({ ...d, action: e.target.value, params: {} })}>
                  {!spec && <option value={d.action ?? ''}>{actionLabel(d.action)}</option>}
                  {catalog.map((a) => (
                    <option key={a.kind} value={a.kind}>
                      {actionLabel(a.kind)}
                      {a.needs_integration ? ` (${a.needs_integration.replace('_', ' ')})` : ''}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            {spec ? (
              actionFields(spec).map((f) => (
                <ParamInput key={`${spec.kind}:${f.name}`} f={f} node={node} spec={spec} readOnly={readOnly} problem={problems[f.name] ?? paramIssue(f.name)} onData={onData} />
              ))
            ) : (
              <p className="field-error">This action is not in the catalog; choose another.</p>
            )}
            <Field label="Retries" hint="How many more times a failing action is tried (0 to 10).">
              {(control) => (
                <Input
                  {...control}
                  type="number"
                  min={0}
                  max={10}
                  value={d.retries ?? 3}
                  onChange={(e) => onData({ ...d, retries: e.target.value === '' ? undefined : Math.max(0, Math.min(10, Number(e.target.value))) })}
                />
              )}
            </Field>
          </>
        )}

        {node.type === 'delay' && (
          <div className="wf-row">
            <Field label="Wait">
              {(control) => <Input {...control} type="number" min={1} value={delay.amount} onChange={(e) => setDelay(Number(e.target.value), delay.unit)} />}
            </Field>
            <Field label="Unit">
              {(control) => (
                <Select {...control} value={delay.unit} onChange={(e) => setDelay(delay.amount, e.target.value)}>
                  {UNITS.map((u) => (
                    <option key={u.value} value={u.value}>
                      {u.label}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          </div>
        )}

        {node.type === 'split' && (
          <div className="wf-branches">
            {(d.branches ?? []).map((b, i) => (
              <div key={i} className="wf-row">
                <Field label={`Branch ${i + 1} id`}>
                  {(control) => (
                    <Input
                      {...control}
                      value={b.id}
                      onChange={(e) => setBranches((d.branches ?? []).map((x, j) => (j === i ? { ...x, id: e.target.value } : x)))}
                    />
                  )}
                </Field>
                <Field label={`Branch ${i + 1} weight`}>
                  {(control) => (
                    <Input
                      {...control}
                      type="number"
                      min={1}
                      value={b.weight}
                      onChange={(e) => setBranches((d.branches ?? []).map((x, j) => (j === i ? { ...x, weight: Number(e.target.value) } : x)))}
                    />
                  )}
                </Field>
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Remove branch ${b.id}`}
                  disabled={(d.branches ?? []).length <= 2}
                  onClick={() => setBranches((d.branches ?? []).filter((_, j) => j !== i))}
                >
                  Remove
                </Button>
              </div>
            ))}
            <Button
              size="sm"
              disabled={(d.branches ?? []).length >= 10}
              onClick={() => {
                const ids = new Set((d.branches ?? []).map((b) => b.id));
                const id = 'abcdefghij'.split('').find((c) => !ids.has(c)) ?? `b${ids.size + 1}`;
                setBranches([...(d.branches ?? []), { id, weight: 50 }]);
              }}
            >
              Add a branch
            </Button>
          </div>
        )}

        <Field label="Label" aside="optional" hint="A short name shown on the node and in the statechart.">
          {(control) => <Input {...control} value={d.label ?? ''} onChange={(e) => onData({ ...d, label: e.target.value })} />}
        </Field>

        {outHandles(node).length > 0 && (
          <div className="wf-connections">
            <h3 className="wf-subtitle">Connections</h3>
            {outHandles(node).map((h) => (
              <Field key={h.id ?? 'next'} label={`${h.label}, go to`}>
                {(control) => (
                  <Select {...control} value={targetOf(edges, node.id, h.id) ?? ''} onChange={(e) => onConnect(h.id, e.target.value || null)}>
                    <option value="">{h.id === 'error' ? 'Nothing (the run fails)' : 'Not connected'}</option>
                    {targets.map((t) => (
                      <option key={t.id} value={t.id}>
                        {t.data.label?.trim() || describeNode(t)} ({t.id})
                      </option>
                    ))}
                  </Select>
                )}
              </Field>
            ))}
          </div>
        )}
      </fieldset>

      {!readOnly && (
        <div className="wf-panel-foot">
          <Button variant="danger" size="sm" onClick={onDelete}>
            Delete node
          </Button>
        </div>
      )}
    </section>
  );
}

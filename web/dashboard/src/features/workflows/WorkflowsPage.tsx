import { useMemo, useRef, useState, type ChangeEvent } from 'react';
import { useApi } from '../../api/context';
import { errorMessage } from '../../api/errors';
import { Link, navigate } from '../../lib/router';
import { canManage, useMe } from '../../lib/session';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDateTime, formatRelative } from '../../ui/format';
import { ConfirmDialog, Dialog } from '../../ui/Modal';
import { LoadError, Loading, PageHeader } from '../../ui/Page';
import { Table } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { providerOf } from './catalogForm';
import type { ValidationIssue, WorkflowDocument, WorkflowListItem } from './contract';
import { eventLabel, starterGraph } from './graph';
import { StatusBadge, downloadJson, failureWords, fileName } from './shared';
import { InvalidWorkflow, workflowsApi } from './workflowsApi';
import './workflows.css';

/** /workflows: every workflow with its state and recent runs; create, import, templates. */
export function WorkflowsPage() {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const toast = useToast();
  const manage = canManage(useMe().role);
  const list = useResource(() => wapi.list(), 'workflows');
  const [busy, setBusy] = useState<string | null>(null);
  const [removing, setRemoving] = useState<WorkflowListItem | null>(null);
  const [gallery, setGallery] = useState(false);
  const [importIssues, setImportIssues] = useState<{ file: string; message: string; issues: ValidationIssue[] } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const create = async () => {
    setBusy('new');
    try {
      const wf = await wapi.create({ name: 'Untitled workflow', graph: starterGraph() });
      navigate(`/workflows/${encodeURIComponent(wf.id)}`);
    } catch (e) {
      toast(`Could not create a workflow: ${errorMessage(e)}`, 'error');
      setBusy(null);
    }
  };

  const duplicate = async (w: WorkflowListItem) => {
    setBusy(`dup:${w.id}`);
    try {
      const doc = await wapi.exportDoc(w.id);
      await wapi.importDoc({ ...doc, name: `Copy of ${w.name}`.slice(0, 100) });
      toast(`Duplicated “${w.name}” as a draft`, 'success');
      await list.reload();
    } catch (e) {
      toast(`Could not duplicate: ${errorMessage(e)}`, 'error');
    } finally {
      setBusy(null);
    }
  };

  const exportOne = async (w: WorkflowListItem) => {
    try {
      downloadJson(fileName(w.name), await wapi.exportDoc(w.id));
    } catch (e) {
      toast(`Could not export: ${errorMessage(e)}`, 'error');
    }
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setBusy('import');
    try {
      let doc: WorkflowDocument;
      try {
        doc = JSON.parse(await file.text()) as WorkflowDocument;
      } catch {
        setImportIssues({ file: file.name, message: 'The file is not JSON. Choose a file exported from a Parley workflow.', issues: [] });
        return;
      }
      const wf = await wapi.importDoc(doc);
      toast(`Imported “${wf.name}” as a draft`, 'success');
      navigate(`/workflows/${encodeURIComponent(wf.id)}`);
    } catch (e) {
      setImportIssues({ file: file.name, message: errorMessage(e), issues: e instanceof InvalidWorkflow ? e.issues : [] });
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      <PageHeader
        title="Workflows"
        description="Automations started by what happens in conversations: draw them, test them, and watch them run."
        actions={
          <>
            <Link to="/workflows/executions" className="btn btn-secondary">
              Executions
            </Link>
            {manage && (
              <>
                <Button onClick={() => setGallery(true)}>Templates</Button>
                <Button onClick={() => fileInput.current?.click()} loading={busy === 'import'}>
                  Import
                </Button>
                <input
                  ref={fileInput}
                  type="file"
                  accept="application/json,.json"
                  className="sr-only"
                  aria-label="Import a workflow file"
                  tabIndex={-1}
                  onChange={(e) => void importFile(e)}
                />
                <Button variant="primary" onClick={() => void create()} loading={busy === 'new'}>
                  New workflow
                </Button>
              </>
            )}
          </>
        }
      />

      {list.error !== undefined && list.data === undefined ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : list.data === undefined ? (
        <Loading label="Loading workflows" />
      ) : (
        <Table<WorkflowListItem>
          label="Workflows"
          rows={list.data}
          rowKey={(w) => w.id}
          empty={
            <div className="empty-state">
              <p className="empty-title">No workflows yet</p>
              <p className="empty-text">
                Start from a template (support escalation, lead prioritization, return approval), import a file, or draw one from
                scratch.
              </p>
              {manage && (
                <div className="wf-empty-actions">
                  <Button variant="primary" onClick={() => setGallery(true)}>
                    Browse templates
                  </Button>
                  <Button onClick={() => void create()}>Start from scratch</Button>
                </div>
              )}
            </div>
          }
          columns={[
            {
              key: 'name',
              header: 'Name',
              render: (w) => (
                <div className="wf-name-cell">
                  <Link to={`/workflows/${encodeURIComponent(w.id)}`} className="table-link">
                    {w.name}
                  </Link>
                  {w.description && <span className="muted wf-desc">{w.description}</span>}
                </div>
              ),
            },
            { key: 'trigger', header: 'Trigger', render: (w) => eventLabel(w.trigger_event) },
            { key: 'state', header: 'State', render: (w) => <StatusBadge status={w.status} /> },
            { key: 'version', header: 'Version', className: 'cell-num', render: (w) => w.version },
            {
              key: 'last',
              header: 'Last run',
              render: (w) =>
                w.last_run_at ? (
                  <time dateTime={w.last_run_at} title={formatDateTime(w.last_run_at)}>
                    {formatRelative(w.last_run_at)}
                  </time>
                ) : (
                  <span className="muted">Never</span>
                ),
            },
            {
              key: 'runs',
              header: 'Runs (7 days)',
              className: 'cell-num',
              render: (w) => (
                <Link to={`/workflows/${encodeURIComponent(w.id)}/runs`} className="table-link" aria-label={`${w.runs_7d} runs of ${w.name} in 7 days`}>
                  {w.runs_7d}
                </Link>
              ),
            },
            {
              key: 'failures',
              header: 'Failure rate',
              render: (w) => (
                <span className={w.failed_7d > 0 ? 'wf-failing' : 'muted'} title={failureWords(w.runs_7d, w.failed_7d)}>
                  {w.runs_7d ? `${Math.round((w.failed_7d / w.runs_7d) * 100)}%` : '—'}
                </span>
              ),
            },
            {
              key: 'actions',
              header: <span className="sr-only">Actions</span>,
              className: 'cell-actions',
              render: (w) => (
                <div className="wf-row-actions">
                  <Button size="sm" variant="ghost" onClick={() => void exportOne(w)} aria-label={`Export ${w.name}`}>
                    Export
                  </Button>
                  {manage && (
                    <>
                      <Button size="sm" variant="ghost" onClick={() => void duplicate(w)} loading={busy === `dup:${w.id}`} aria-label={`Duplicate ${w.name}`}>
                        Duplicate
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setRemoving(w)} aria-label={`Delete ${w.name}`}>
                        Delete
                      </Button>
                    </>
                  )}
                </div>
              ),
            },
          ]}
        />
      )}

      <ConfirmDialog
        open={removing !== null}
        title={`Delete “${removing?.name ?? ''}”?`}
        confirmLabel="Delete workflow"
        onCancel={() => setRemoving(null)}
        onConfirm={async () => {
          if (!removing) return;
          await wapi.remove(removing.id);
          setRemoving(null);
          toast('Workflow deleted', 'success');
          await list.reload();
        }}
      >
        Its versions and its execution history are deleted too. Export it first to keep a copy.
      </ConfirmDialog>

      <Dialog
        open={importIssues !== null}
        title={`Could not import ${importIssues?.file ?? ''}`}
        description={importIssues?.message}
        onClose={() => setImportIssues(null)}
        footer={<Button onClick={() => setImportIssues(null)}>Close</Button>}
      >
        {importIssues && importIssues.issues.length > 0 ? (
          <ul className="wf-import-issues" aria-label="Problems in the file">
            {importIssues.issues.map((i, n) => (
              <li key={n}>
                {i.node_id || i.edge_id ? <code>{i.node_id ?? i.edge_id}</code> : null} {i.message}
              </li>
            ))}
          </ul>
        ) : undefined}
      </Dialog>

      <TemplateGallery open={gallery} onClose={() => setGallery(false)} />
    </>
  );
}

/** The shipped templates: each opens as a new draft to customise. */
function TemplateGallery({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} size="lg" title="Start from a template" description="Each opens as a new draft you can change before activating it." onClose={onClose} footer={<Button onClick={onClose}>Close</Button>}>
      {open && <TemplateList />}
    </Dialog>
  );
}

function TemplateList() {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const toast = useToast();
  const templates = useResource(() => wapi.templates(), 'workflow-templates');
  const [busy, setBusy] = useState<string | null>(null);
  if (templates.error !== undefined && !templates.data) return <LoadError error={templates.error} onRetry={templates.reload} />;
  if (!templates.data) return <Loading label="Loading templates" />;
  const use = async (slug: string) => {
    setBusy(slug);
    try {
      const wf = await wapi.importTemplate(slug);
      navigate(`/workflows/${encodeURIComponent(wf.id)}`);
    } catch (e) {
      toast(`Could not use the template: ${errorMessage(e)}`, 'error');
      setBusy(null);
    }
  };
  return (
    <ul className="wf-templates" aria-label="Templates">
      {templates.data.map((t) => (
        <li key={t.slug} className="wf-template">
          <h3 className="wf-template-name">{t.name}</h3>
          <p className="wf-template-desc">{t.description}</p>
          <p className="wf-template-needs">
            {t.integrations.length ? `Needs ${t.integrations.map((i) => providerOf(i).name).join(', ')}` : 'No connections needed'} ·{' '}
            {t.graph.nodes.length} steps
          </p>
          <Button variant="primary" size="sm" onClick={() => void use(t.slug)} loading={busy === t.slug} aria-label={`Use template ${t.name}`}>
            Use this template
          </Button>
        </li>
      ))}
    </ul>
  );
}

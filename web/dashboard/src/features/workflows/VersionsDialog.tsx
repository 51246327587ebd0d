import { useMemo } from 'react';
import { useApi } from '../../api/context';
import { useResource } from '../../lib/useResource';
import { Button } from '../../ui/Button';
import { formatDateTime } from '../../ui/format';
import { Dialog } from '../../ui/Modal';
import { LoadError, Loading } from '../../ui/Page';
import type { Graph } from './contract';
import { describeNode } from './graph';
import { workflowsApi } from './workflowsApi';

/** Every saved version, newest first; an old one can be put back on the canvas to save again. */
export function VersionsDialog({
  open,
  workflowId,
  current,
  readOnly,
  onClose,
  onRestore,
}: {
  open: boolean;
  workflowId: string;
  current: number;
  readOnly: boolean;
  onClose: () => void;
  onRestore: (graph: Graph, version: number) => void;
}) {
  return (
    <Dialog open={open} size="lg" title="Versions" description="Each saved change to the graph is a version; runs keep the version they started on." onClose={onClose} footer={<Button onClick={onClose}>Close</Button>}>
      {open && <VersionList workflowId={workflowId} current={current} readOnly={readOnly} onRestore={onRestore} />}
    </Dialog>
  );
}

function VersionList({ workflowId, current, readOnly, onRestore }: { workflowId: string; current: number; readOnly: boolean; onRestore: (graph: Graph, version: number) => void }) {
  const api = useApi();
  const wapi = useMemo(() => workflowsApi(api), [api]);
  const versions = useResource(() => wapi.versions(workflowId), `versions:${workflowId}:${current}`);
  if (versions.error !== undefined && !versions.data) return <LoadError error={versions.error} onRetry={versions.reload} />;
  if (!versions.data) return <Loading label="Loading versions" />;
  return (
    <ol className="wf-versions" aria-label="Versions">
      {versions.data.map((v) => {
        const trigger = v.graph.nodes.find((n) => n.type === 'trigger');
        return (
          <li key={v.id} className="wf-version-row">
            <div>
              <strong>Version {v.version}</strong>
              {v.version === current && <span className="wf-version-current"> (current)</span>}
              <div className="muted">
                {formatDateTime(v.created_at)} · {v.graph.nodes.length} steps{trigger ? ` · ${describeNode(trigger)}` : ''}
                {v.integrations.length ? ` · needs ${v.integrations.join(', ')}` : ''}
              </div>
            </div>
            {!readOnly && v.version !== current && (
              <Button size="sm" onClick={() => onRestore(v.graph, v.version)} aria-label={`Restore version ${v.version}`}>
                Restore
              </Button>
            )}
          </li>
        );
      })}
    </ol>
  );
}

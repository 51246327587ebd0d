// Everything under /workflows, in one chunk so the app's first load carries one route
// for the whole area. The builder (React Flow, ~70 kB gzipped) is a chunk of its own,
// fetched only when a workflow is opened.
import { Suspense, lazy, useEffect } from 'react';
import { matchPath } from '../../lib/router';
import { Loading, PageHeader } from '../../ui/Page';
import { ExecutionDetailPage } from './ExecutionDetailPage';
import { ExecutionsPage } from './ExecutionsPage';
import { WorkflowRunsPage } from './WorkflowRunsPage';
import { WorkflowsPage } from './WorkflowsPage';

const WorkflowBuilderPage = lazy(() => import('./WorkflowBuilderPage').then((m) => ({ default: m.WorkflowBuilderPage })));

export type AreaRoute =
  | { view: 'list' }
  | { view: 'executions' }
  | { view: 'execution'; id: string }
  | { view: 'builder'; id: string }
  | { view: 'runs'; id: string }
  | { view: 'not-found' };

/** Which view a path under /workflows shows. */
export function resolveArea(path: string): AreaRoute {
  if (matchPath('/workflows', path)) return { view: 'list' };
  if (matchPath('/workflows/executions', path)) return { view: 'executions' };
  const execution = matchPath('/workflows/executions/:id', path);
  if (execution?.id) return { view: 'execution', id: execution.id };
  const builder = matchPath('/workflows/:id', path);
  if (builder?.id) return { view: 'builder', id: builder.id };
  const runs = matchPath('/workflows/:id/runs', path);
  if (runs?.id) return { view: 'runs', id: runs.id };
  return { view: 'not-found' };
}

const TITLES: Record<AreaRoute['view'], string> = {
  list: 'Workflows',
  executions: 'Executions',
  execution: 'Execution',
  builder: 'Workflow builder',
  runs: 'Workflow runs',
  'not-found': 'Not found',
};

export function WorkflowsArea({ path }: { path: string }) {
  const route = resolveArea(path);
  useEffect(() => {
    document.title = `${TITLES[route.view]} · Parley`;
  }, [route.view]);
  switch (route.view) {
    case 'list':
      return <WorkflowsPage />;
    case 'executions':
      return <ExecutionsPage />;
    case 'execution':
      return <ExecutionDetailPage key={route.id} id={route.id} />;
    case 'runs':
      return <WorkflowRunsPage key={route.id} id={route.id} />;
    case 'builder':
      return (
        <Suspense fallback={<Loading label="Loading the builder" />}>
          <WorkflowBuilderPage key={route.id} id={route.id} />
        </Suspense>
      );
    case 'not-found':
      return <PageHeader title="Page not found" description="There is nothing at this address." />;
  }
}

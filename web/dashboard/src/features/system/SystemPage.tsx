import { PageHeader } from '../../ui/Page';

export function SystemPage() {
  return <PageHeader title="System" description="Nodes, database, job queue, providers and integrations, live." />;
}

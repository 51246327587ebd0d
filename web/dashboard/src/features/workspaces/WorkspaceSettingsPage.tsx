import { PageHeader } from '../../ui/Page';

export function WorkspaceSettingsPage() {
  return <PageHeader title="Workspace settings" description="Name, time zone and default language." />;
}

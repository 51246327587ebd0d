import { PageHeader } from '../../ui/Page';

export function MembersPage() {
  return <PageHeader title="Members" description="Who works in this workspace, their roles, and invitations." />;
}

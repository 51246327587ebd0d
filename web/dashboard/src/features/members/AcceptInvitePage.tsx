import { PageHeader } from '../../ui/Page';

export function AcceptInvitePage() {
  return <PageHeader title="Join the workspace" description="" />;
}

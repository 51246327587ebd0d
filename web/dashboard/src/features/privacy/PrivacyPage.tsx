import { PageHeader } from '../../ui/Page';

export function PrivacyPage() {
  return <PageHeader title="Privacy" description="Export or erase everything about one visitor, and retention." />;
}

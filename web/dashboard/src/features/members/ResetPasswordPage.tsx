import { PageHeader } from '../../ui/Page';

export function ResetPasswordPage() {
  return <PageHeader title="Reset password" description="" />;
}

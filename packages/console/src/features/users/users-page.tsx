import { PageHeader } from '../../ui/page';

/** Users. */
export function UsersPage() {
  return <PageHeader title="Users" />;
}

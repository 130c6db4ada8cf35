import { PageHeader } from '../../ui/page';

/** Roles. */
export function RolesPage() {
  return <PageHeader title="Roles" />;
}

import { PageHeader } from '../../ui/page';

/** Audit log. */
export function AuditPage() {
  return <PageHeader title="Audit log" />;
}

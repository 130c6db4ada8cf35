import { PageHeader } from '../../ui/page';

/** Job. */
export function JobDetailPage() {
  return <PageHeader title="Job" />;
}

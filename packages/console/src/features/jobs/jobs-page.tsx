import { PageHeader } from '../../ui/page';

/** Jobs. */
export function JobsPage() {
  return <PageHeader title="Jobs" />;
}

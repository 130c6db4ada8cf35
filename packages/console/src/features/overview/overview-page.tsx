import { PageHeader } from '../../ui/page';

/** Overview. */
export function OverviewPage() {
  return <PageHeader title="Overview" />;
}

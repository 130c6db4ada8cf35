import { PageHeader } from '../../ui/page';

/** Activity. */
export function ActivityPage() {
  return <PageHeader title="Activity" />;
}

import { PageHeader } from '../../ui/page';

/** Minion. */
export function MinionDetailPage() {
  return <PageHeader title="Minion" />;
}

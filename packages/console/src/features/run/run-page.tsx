import { PageHeader } from '../../ui/page';

/** Run. */
export function RunPage() {
  return <PageHeader title="Run" />;
}

import { PageHeader } from '../../ui/page';

/** Keys. */
export function KeysPage() {
  return <PageHeader title="Keys" />;
}

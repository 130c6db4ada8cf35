import { PageHeader } from '../../ui/page';

/** Minions. */
export function MinionsPage() {
  return <PageHeader title="Minions" />;
}

import { PageHeader } from '../../ui/page';

/** Settings. */
export function SettingsPage() {
  return <PageHeader title="Settings" />;
}

import { StatusBadge } from '../../ui/status';
import type { JobRow } from './job-queries';

/** Running, or how the returns went: all OK, some failed, nothing back yet. */
export function JobOutcome({
  job,
}: {
  job: Pick<JobRow, 'status' | 'failure_count' | 'success_count' | 'returned_count'>;
}) {
  if (job.status === 'running') return <StatusBadge status="running" />;
  if (job.failure_count > 0) return <StatusBadge status="failed" label={`${job.failure_count} failed`} />;
  if (job.returned_count === 0) return <StatusBadge status="finished" label="no returns" />;
  return <StatusBadge status="ok" label="ok" />;
}

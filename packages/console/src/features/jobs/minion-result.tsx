import { StatusBadge } from '../../ui/status';
import { parseStateReturn, stateCounts } from './state-results';
import { StateTable } from './state-table';

/** How one minion's return reads: its state table for `state.*`, else its value as JSON. */
export function ReturnValue({ value }: { value: unknown }) {
  const states = parseStateReturn(value);
  if (states) {
    const counts = stateCounts(states);
    return (
      <>
        <p className="actions" style={{ margin: '0 0 8px' }}>
          {counts.failed ? <StatusBadge status="failed" label={`${counts.failed} failed`} /> : null}
          {counts.changed ? <StatusBadge status="changes" label={`${counts.changed} changed`} /> : null}
          <StatusBadge status="ok" label={`${counts.ok} ok`} />
        </p>
        <StateTable rows={states} />
      </>
    );
  }
  if (typeof value === 'string') return <pre className="json">{value}</pre>;
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

/** A minion's outcome as a badge: ok, failed with its retcode, or no answer yet. */
export function ResultBadge({ success, retcode }: { success: boolean | null; retcode: number | null }) {
  if (success === true) return <StatusBadge status="ok" label="ok" />;
  if (success === false)
    return <StatusBadge status="failed" label={`failed${retcode !== null ? ` (${retcode})` : ''}`} />;
  return <StatusBadge status="pending" label="unknown" />;
}

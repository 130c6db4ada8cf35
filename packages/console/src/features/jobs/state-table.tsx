import { duration } from '../../ui/format';
import { StatusBadge } from '../../ui/status';
import type { StateRow } from './state-results';

/** The per-state table of one minion's state run (failures first). */
export function StateTable({ rows }: { rows: readonly StateRow[] }) {
  return (
    <div className="table-wrap">
      <table className="data">
        <thead>
          <tr>
            <th>State</th>
            <th>Function</th>
            <th>Result</th>
            <th className="num">Duration</th>
            <th>Comment / changes</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={`${row.fun}|${row.id}|${row.name}`}
              className={row.result === false ? 'fail' : undefined}
            >
              <td className="mono">
                {row.id}
                {row.name !== row.id ? <div className="muted">{row.name}</div> : null}
              </td>
              <td className="mono">{row.fun}</td>
              <td>
                {row.result === false ? (
                  <StatusBadge status="failed" label="failed" />
                ) : row.result === null ? (
                  <StatusBadge status="pending" label="would change" />
                ) : row.changed ? (
                  <StatusBadge status="changes" label="changed" />
                ) : (
                  <StatusBadge status="ok" label="ok" />
                )}
              </td>
              <td className="num">{duration(row.durationMs)}</td>
              <td>
                <div style={{ whiteSpace: 'pre-wrap' }}>{row.comment}</div>
                {row.changed ? (
                  <details>
                    <summary className="muted">changes</summary>
                    <pre className="json">{JSON.stringify(row.changes, null, 2)}</pre>
                  </details>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The tone of each minion or key status. */
const TONES: Record<string, string> = {
  online: 'tone-ok',
  accepted: 'tone-ok',
  offline: 'tone-idle',
  pending: 'tone-warn',
  rejected: 'tone-bad',
  denied: 'tone-bad',
  running: 'tone-info',
  finished: 'tone-idle',
  ok: 'tone-ok',
  failed: 'tone-bad',
  changes: 'tone-warn',
  allow: 'tone-ok',
  deny: 'tone-bad',
};

/** A coloured status pill. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`badge ${TONES[status] ?? 'tone-idle'}`}>{label ?? status}</span>;
}

/** The colour of a status, for charts. */
export const STATUS_COLORS: Record<string, string> = {
  online: 'var(--ok)',
  accepted: 'var(--ok)',
  offline: 'var(--idle)',
  pending: 'var(--warn)',
  rejected: 'var(--bad)',
  denied: '#b06ab3',
};

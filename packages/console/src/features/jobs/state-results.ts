/** One state of a `state.*` return, as the per-state table shows it. */
export interface StateRow {
  /** The state's id (`- id` in the SLS). */
  id: string;
  /** `module.function`, e.g. `pkg.installed`. */
  fun: string;
  /** The state's `name`. */
  name: string;
  /** True: ok; false: failed; null: would change (test=True). */
  result: boolean | null;
  comment: string;
  /** Whether it changed something. */
  changed: boolean;
  changes: unknown;
  durationMs: number | null;
  /** Order of execution. */
  order: number;
}

const KEY = /^([^|]+)_\|-(.*)_\|-(.*)_\|-([^|]+)$/s;

/**
 * The states of a `state.apply` / `state.sls` / `state.highstate` return (keys
 * `module_|-id_|-name_|-function`), failures first, then in execution order; null when the
 * return is not one (a rendering error comes back as a list of strings, for instance).
 */
export function parseStateReturn(value: unknown): StateRow[] | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const rows: StateRow[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const match = KEY.exec(key);
    if (!match || raw === null || typeof raw !== 'object') return null;
    const state = raw as Record<string, unknown>;
    const changes = state.changes;
    rows.push({
      id: typeof state.__id__ === 'string' ? state.__id__ : (match[2] ?? key),
      fun: `${match[1]}.${match[4]}`,
      name: typeof state.name === 'string' ? state.name : (match[3] ?? ''),
      result: typeof state.result === 'boolean' ? state.result : null,
      comment: Array.isArray(state.comment) ? state.comment.join('\n') : String(state.comment ?? ''),
      changed: changes !== null && typeof changes === 'object' && Object.keys(changes).length > 0,
      changes,
      durationMs: typeof state.duration === 'number' ? state.duration : null,
      order: typeof state.__run_num__ === 'number' ? state.__run_num__ : rows.length,
    });
  }
  if (rows.length === 0) return null;
  const rank = (row: StateRow) => (row.result === false ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b) || a.order - b.order);
}

/** Counts of a state run: failed, changed, ok. */
export function stateCounts(rows: readonly StateRow[]): { failed: number; changed: number; ok: number } {
  let failed = 0;
  let changed = 0;
  for (const row of rows) {
    if (row.result === false) failed++;
    else if (row.changed) changed++;
  }
  return { failed, changed, ok: rows.length - failed - changed };
}

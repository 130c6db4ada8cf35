import type { AuditEntry, AuditEntryInput, AuditListQuery } from '../store/audit.js';
import type { Store } from '../store/store.js';
import type { Page } from '../store/types.js';
import { redactSecrets } from './redact.js';

/** The columns of {@link auditToCsv}, in order. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'user_id',
  'username',
  'action',
  'resource',
  'decision',
  'result_code',
  'salt_jid',
  'duration_ms',
  'client_address',
  'args',
] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Audit entries as CSV (RFC 4180, CRLF line ends, a header row; `args` as JSON). Cells that
 * a spreadsheet would evaluate as formulas are prefixed with `'`.
 *
 * @example
 * ```ts
 * const { items } = await halite.audit.list({ decision: 'deny', limit: 500 });
 * await writeFile('denied.csv', auditToCsv(items));
 * ```
 */
export function auditToCsv(entries: readonly AuditEntry[]): string {
  const rows = [AUDIT_CSV_COLUMNS.join(',')];
  for (const e of entries) {
    rows.push(
      [
        e.id,
        e.at,
        e.userId,
        e.username,
        e.action,
        e.resource,
        e.decision,
        e.resultCode,
        e.saltJid,
        e.durationMs,
        e.clientAddress,
        e.args === null ? null : e.args,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}

/**
 * The audit log: every action and every denial, append-only. {@link AuditService.record}
 * redacts secrets in the arguments (at any depth) before anything reaches the Store.
 *
 * @example
 * ```ts
 * await halite.audit.record({ userId: user.id, username: user.username, action: 'key.accept',
 *   resource: 'key:web-01', decision: 'allow', resultCode: 204, durationMs: 12 });
 * ```
 */
export class AuditService {
  readonly #store: Store;
  readonly #now: () => Date;

  /** @param options - the Store and the clock */
  constructor(options: { store: Store; now?: () => Date }) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Appends one entry, its `args` redacted; `action`, `resource` and `clientAddress` are cut to
   * the Store's limits.
   */
  record(entry: AuditEntryInput): Promise<AuditEntry> {
    return this.#store.audit.append({
      ...entry,
      at: entry.at ?? this.#now(),
      action: entry.action.slice(0, 128),
      resource: entry.resource.slice(0, 255),
      clientAddress: entry.clientAddress ? entry.clientAddress.slice(0, 64) : null,
      args: entry.args === undefined ? null : redactSecrets(entry.args),
    });
  }

  /** A page of entries, newest first, filtered by user, action, decision, client address and time range. */
  list(query: AuditListQuery = {}): Promise<Page<AuditEntry>> {
    return this.#store.audit.list(query);
  }
}

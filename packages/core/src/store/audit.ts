import type { JsonValue, Page, PageRequest, RetentionOptions, TimeInput } from './types.js';

/** Whether the action was allowed. */
export type AuditDecision = 'allow' | 'deny';

/** An audit entry to append; secrets must already be redacted. */
export interface AuditEntryInput {
  /** Default now. */
  at?: TimeInput;
  /** The acting user, `null` for anonymous (a failed login). */
  userId?: string | null;
  /** The acting user's name at the time (kept after the user is deleted). */
  username?: string | null;
  /** Action name, e.g. `salt.run`, `key.accept` (1–128 characters). */
  action: string;
  /** The resource, e.g. `salt:test.ping`, `key:web-01` (≤ 255 characters). */
  resource: string;
  /** The redacted arguments. */
  args?: unknown;
  /** The Salt jid, when the action started a job. */
  saltJid?: string | null;
  /** Allowed or denied. */
  decision: AuditDecision;
  /** The HTTP status answered. */
  resultCode: number;
  /** How long the action took. Default 0. */
  durationMs?: number;
  /** Where the request came from (IP address, ≤ 64 characters); `null` when the host did not say. */
  clientAddress?: string | null;
}

/** A stored audit entry. */
export interface AuditEntry {
  /** Ascending id. */
  id: number;
  /** When (UTC ISO string). */
  at: string;
  /** The acting user. */
  userId: string | null;
  /** The acting user's name at the time. */
  username: string | null;
  /** Action name. */
  action: string;
  /** The resource. */
  resource: string;
  /** The redacted arguments. */
  args: JsonValue;
  /** The Salt jid. */
  saltJid: string | null;
  /** Allowed or denied. */
  decision: AuditDecision;
  /** The HTTP status answered. */
  resultCode: number;
  /** How long the action took, ms. */
  durationMs: number;
  /** Where the request came from, `null` when unknown. */
  clientAddress: string | null;
}

/** A paged audit list request, newest first. */
export interface AuditListQuery extends PageRequest {
  /** Only this user's entries. */
  userId?: string;
  /** Only this action. */
  action?: string;
  /** Only allowed or only denied. */
  decision?: AuditDecision;
  /** At or after. */
  since?: TimeInput;
  /** Before. */
  until?: TimeInput;
  /** Only requests from this client address (exact). */
  clientAddress?: string;
}

/** The audit log: append-only, newest first. */
export interface AuditStore {
  /** Append one entry. */
  append(entry: AuditEntryInput): Promise<AuditEntry>;
  /** A page of entries, newest first. */
  list(query?: AuditListQuery): Promise<Page<AuditEntry>>;
  /** Delete entries older than `cutoff` in bounded batches; returns how many. */
  deleteOlderThan(cutoff: TimeInput, options?: RetentionOptions): Promise<number>;
}

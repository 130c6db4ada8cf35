import type { JsonValue, Page, PageRequest, RetentionOptions, TimeInput } from './types.js';

/** A normalised Salt event to persist before it is published. */
export interface ActivityEventInput {
  /** When the event happened (received). */
  occurredAt: TimeInput;
  /** Feature category, e.g. `job`, `key`, `minion` (1–32 characters). */
  category: string;
  /** Event type, e.g. `job.new`, `job.ret`, `key.accept` (1–64 characters). */
  eventType: string;
  /** The minion concerned. */
  minionId?: string | null;
  /** The job concerned. */
  jid?: string | null;
  /** The Salt function. */
  fun?: string | null;
  /** Whether the job return succeeded. */
  success?: boolean | null;
  /** Whether a state return changed something. */
  changed?: boolean | null;
  /** Who started the job. */
  initiator?: string | null;
  /** The job's target. */
  target?: string | null;
  /** How long the return took, in ms. */
  durationMs?: number | null;
  /** One line for humans (≤ 512 characters). */
  summary: string;
  /** The raw event (`{ tag, data }`); above the Store's `maxPayloadBytes` it is truncated. */
  payload?: unknown;
}

/** A stored activity event. Its `id` ascends with insertion and is never reused: the SSE `id:`. */
export interface ActivityEvent {
  /** Ascending, never reused. */
  id: number;
  /** When the event happened, UTC ISO string. */
  occurredAt: string;
  /** Feature category. */
  category: string;
  /** Event type. */
  eventType: string;
  /** The minion concerned. */
  minionId: string | null;
  /** The job concerned. */
  jid: string | null;
  /** The Salt function. */
  fun: string | null;
  /** Whether the job return succeeded. */
  success: boolean | null;
  /** Whether a state return changed something. */
  changed: boolean | null;
  /** Who started the job. */
  initiator: string | null;
  /** The job's target. */
  target: string | null;
  /** How long the return took, in ms. */
  durationMs: number | null;
  /** One line for humans. */
  summary: string;
  /** The raw event; when `payloadTruncated`, a string with the first bytes of its JSON text. */
  payload: JsonValue;
  /** Whether `payload` was cut to the size cap. */
  payloadTruncated: boolean;
}

/** Filters of an activity list; all given filters must match. */
export interface ActivityFilter {
  /** Categories, any of. */
  categories?: readonly string[];
  /** Event types, any of. */
  eventTypes?: readonly string[];
  /** Only this minion. */
  minionId?: string;
  /** Only this job. */
  jid?: string;
  /** Substring of the summary or minion id (ASCII case-insensitive). */
  search?: string;
  /** Leave out routine events: `job.ret` that succeeded and changed nothing. */
  hideRoutine?: boolean;
  /** Leave out `job.new` dispatch events. */
  hideDispatch?: boolean;
  /** At or after. */
  since?: TimeInput;
  /** Before. */
  until?: TimeInput;
}

/** A paged activity list request; newest first. */
export interface ActivityListQuery extends ActivityFilter, PageRequest {}

/** The activity feed: persisted before publish, replayed after an id on SSE reconnect. */
export interface ActivityStore {
  /**
   * Insert events in one transaction; returns them with ids ascending in input order. Ids become
   * visible to readers in ascending order, so "after id N" never skips an event.
   */
  insert(events: readonly ActivityEventInput[]): Promise<ActivityEvent[]>;
  /**
   * Events with an id greater than `id`, oldest first, at most `limit` (1–1000, default 500):
   * what a reconnecting SSE client with `Last-Event-ID: id` missed.
   */
  after(id: number, options?: { limit?: number; categories?: readonly string[] }): Promise<ActivityEvent[]>;
  /** A page of events, newest first. */
  list(query?: ActivityListQuery): Promise<Page<ActivityEvent>>;
  /** The highest id stored, or `null` when empty. */
  latestId(): Promise<number | null>;
  /** Delete events older than `cutoff` in bounded batches; returns the number deleted. */
  deleteOlderThan(cutoff: TimeInput, options?: RetentionOptions): Promise<number>;
}

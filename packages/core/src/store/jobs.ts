import type {
  JsonObject,
  JsonValue,
  Page,
  PageRequest,
  RetentionOptions,
  SortOrder,
  TimeInput,
} from './types.js';

/** Whether a job is still running on some minion. */
export type JobStatus = 'running' | 'finished';

/**
 * A job seen in `jobs.list_jobs` or in a `salt/job/<jid>/new` event. On an existing jid the
 * identity fields are overwritten; the optional ones are kept when absent or `null`
 * (`initiator` only when absent).
 */
export interface JobInput {
  /** The 20-digit job id. */
  jid: string;
  /** The Salt function, e.g. `state.apply`. */
  function: string;
  /** The target expression (a list target joined with commas). Default `''`. */
  target?: string;
  /** The target type (`glob`, `list`, `grain`, …). Default `glob`. */
  targetType?: string;
  /** The user who started the job, as Salt records it. Default `''`. */
  user?: string;
  /**
   * The Halite user who started the job through Halite; null for jobs started elsewhere.
   * On an existing jid it is written only when given: `undefined` keeps the stored value,
   * `null` clears it. Default null.
   */
  initiator?: string | null;
  /** When the job started (from the jid). */
  startTime: TimeInput;
  /** The job's positional and keyword arguments, as Salt lists them. */
  arguments?: JsonValue;
  /** Extra job metadata (`metadata` kwarg, …). */
  metadata?: JsonObject | null;
  /** How many minions the job targeted, when known. */
  minionCount?: number | null;
  /** Mark the job running or finished (e.g. once `jobs.active` no longer lists it). */
  status?: JobStatus;
  /** When the job finished, when known. */
  endTime?: TimeInput | null;
}

/** A job in the index, with counts kept up to date from its returns. Times are UTC ISO strings. */
export interface JobRecord {
  /** The job id. */
  jid: string;
  /** The Salt function. */
  function: string;
  /** The target expression. */
  target: string;
  /** The target type. */
  targetType: string;
  /** The user who started the job, as Salt records it (for API jobs, the salt-api account). */
  user: string;
  /** The Halite user who started the job through Halite; null for jobs started elsewhere. */
  initiator: string | null;
  /** When the job started. */
  startTime: string;
  /** When the job finished (set by the caller, or the time of the last return once all returned). */
  endTime: string | null;
  /** `finished` once marked so, or once every targeted minion returned. */
  status: JobStatus;
  /** Minions targeted, when known. */
  minionCount: number | null;
  /** Minions that returned. */
  returnedCount: number;
  /** Returns with `success: true`. */
  successCount: number;
  /** Returns with `success: false`. */
  failureCount: number;
  /** Whether any return is stored. */
  hasReturns: boolean;
  /** The job's arguments. */
  arguments: JsonValue;
  /** Extra job metadata. */
  metadata: JsonObject | null;
  /** When the job was last seen by a poller or an event. */
  seenAt: string;
  /** When the row was last written. */
  updatedAt: string;
}

/** One minion's result of a job. */
export interface JobReturnInput {
  /** The job id. */
  jid: string;
  /** The minion that returned. */
  minionId: string;
  /** Whether the minion reported success, when known. */
  success: boolean | null;
  /** The minion's retcode, when known. */
  retcode: number | null;
  /** The return value. Above the Store's `maxReturnBytes` it is truncated (see {@link JobReturn}). */
  return: unknown;
  /** When the return arrived. */
  returnedAt: TimeInput;
}

/** A stored job return. */
export interface JobReturn {
  /** The job id. */
  jid: string;
  /** The minion that returned. */
  minionId: string;
  /** Whether the minion reported success. */
  success: boolean | null;
  /** The minion's retcode. */
  retcode: number | null;
  /**
   * The return value; when `truncated`, a string holding the first `maxReturnBytes` bytes of
   * its JSON text.
   */
  return: JsonValue;
  /** Size of the full return's JSON text, in UTF-8 bytes. */
  returnBytes: number;
  /** Whether `return` was cut to the size cap. */
  truncated: boolean;
  /** When the return arrived. */
  returnedAt: string;
}

/** Filters of a job list; all given filters must match. */
export interface JobFilter {
  /** Functions, any of (exact). */
  function?: readonly string[];
  /** Users, any of (exact), as Salt records them. */
  user?: readonly string[];
  /** Halite users who started the job through Halite, any of (exact). */
  initiator?: readonly string[];
  /** Status. */
  status?: JobStatus;
  /**
   * How the job went, any of. Every job has exactly one: `running` (status running), and once
   * finished `failed` (some return has `success: false`), `no_returns` (none came back) or
   * `succeeded` (returns came back, none failed).
   */
  outcome?: readonly ('running' | 'succeeded' | 'failed' | 'no_returns')[];
  /** Started at or after. */
  since?: TimeInput;
  /** Started before. */
  until?: TimeInput;
  /** Only jobs this minion returned for. */
  minionId?: string;
  /** Substring of the jid, function or target (ASCII case-insensitive). */
  search?: string;
}

/** Columns a job list can be sorted by (each is indexed). */
export type JobSortField = 'startTime' | 'jid' | 'function' | 'user';

/** A paged, filtered, sorted job list request. Ties are broken by jid. */
export interface JobListQuery extends JobFilter, PageRequest {
  /** Sort column. Default `startTime`. */
  sort?: JobSortField;
  /** Sort order. Default `desc`. */
  order?: SortOrder;
}

/** Jobs started in one UTC hour. */
export interface HourCount {
  /** Start of the hour, UTC ISO string (`2025-01-02T03:00:00.000Z`). */
  hourStart: string;
  /** Jobs whose start time falls in that hour. */
  count: number;
}

/** What {@link JobStore.upsert} wrote. */
export interface JobUpsertResult {
  /** New jids. */
  inserted: number;
  /** Existing jids refreshed. */
  updated: number;
}

/** The jobs index and per-minion job returns, which outlive the master's job cache. */
export interface JobStore {
  /**
   * Insert or refresh jobs in one transaction (keys de-duplicated, last wins), and recompute
   * their return counts.
   */
  upsert(jobs: readonly JobInput[], options?: { polledAt?: TimeInput }): Promise<JobUpsertResult>;
  /**
   * Store per-minion returns (one per jid and minion, the last wins) and update the counts,
   * status and end time of their jobs, in one transaction. Returns how many were written.
   */
  recordReturns(returns: readonly JobReturnInput[]): Promise<number>;
  /** One job, or `undefined`. */
  get(jid: string): Promise<JobRecord | undefined>;
  /**
   * Jobs started per UTC hour in `[since, until)` (the window is at most 31 days), hours with
   * jobs only, oldest first. Filters as in {@link JobFilter} (except paging and sorting).
   */
  countByHour(
    query: Omit<JobFilter, 'since' | 'until'> & { since: TimeInput; until: TimeInput },
  ): Promise<HourCount[]>;
  /** A page of jobs, newest first unless sorted otherwise. */
  list(query?: JobListQuery): Promise<Page<JobRecord>>;
  /** A page of one job's returns, by minion id. */
  returns(jid: string, page?: PageRequest): Promise<Page<JobReturn>>;
  /** A page of one minion's returns, newest first. */
  returnsForMinion(minionId: string, page?: PageRequest): Promise<Page<JobReturn>>;
  /** Record that the jobs poller finished a poll. */
  markPolled(at: TimeInput): Promise<void>;
  /** When the jobs poller last finished a poll. */
  lastPolledAt(): Promise<string | null>;
  /**
   * Delete jobs started before `cutoff` with their returns (and returns older than `cutoff`
   * whose job is not indexed), in bounded batches. Returns the number of jobs deleted.
   */
  deleteOlderThan(cutoff: TimeInput, options?: RetentionOptions): Promise<number>;
}

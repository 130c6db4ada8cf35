import { z } from 'zod';

/** What an activity event is about; RBAC filters the feed by category. */
export const ActivityCategory = z.enum(['job', 'key', 'minion']);
/** What an activity event is about. */
export type ActivityCategory = z.infer<typeof ActivityCategory>;

/** The event types the normalizer keeps. */
export const ActivityEventType = z.enum([
  'job.new',
  'job.ret',
  'key.accept',
  'key.reject',
  'key.delete',
  'key.pend',
  'minion.start',
]);
/** An event type the normalizer keeps. */
export type ActivityEventType = z.infer<typeof ActivityEventType>;

/**
 * One minion's result of a job, cut to a bounded size, as kept in `job_returns` so job history
 * outlives the master's job cache.
 */
export interface NormalizedJobReturn {
  /** The job id. */
  jid: string;
  /** The minion that returned. */
  minion_id: string;
  /** The execution function. */
  fun: string | null;
  /** True when the minion reported success (retcode 0), null when it did not say. */
  success: boolean | null;
  /** The minion's retcode (the largest one when Salt reports one per state). */
  retcode: number | null;
  /** The return itself, or a string preview of its JSON when it was larger than the cap. */
  return_value: unknown;
  /** Whether `return_value` was cut. */
  truncated: boolean;
  /** When the minion returned (UTC ISO). */
  returned_at: string;
}

/** A Salt event reduced to what the activity feed, the job index and the console need. */
export interface NormalizedEvent {
  /** Feed category. */
  category: ActivityCategory;
  /** Event type. */
  event_type: ActivityEventType;
  /** When Salt stamped the event (UTC ISO), or when it was received if it had no stamp. */
  occurred_at: string;
  /** The minion concerned, when there is one. */
  minion_id: string | null;
  /** The job id, for job events. */
  jid: string | null;
  /** The execution function, for job events. */
  fun: string | null;
  /** Whether a return succeeded; null where that does not apply. */
  success: boolean | null;
  /** Whether any state reported changes; null when the return is not a state result. */
  changed: boolean | null;
  /** Who started the job (the Salt user). */
  initiator: string | null;
  /** The job's target expression (a list target is joined with commas). */
  target: string | null;
  /** The job's target type (glob, list, compound, …). */
  target_type: string | null;
  /** How many minions a new job was published to. */
  minion_count: number | null;
  /** Sum of the state durations of a return, in ms. */
  duration_ms: number | null;
  /** One line for humans. */
  summary: string;
  /** For `job.ret`: the capped per-minion result to store in `job_returns`. */
  job_return: NormalizedJobReturn | null;
}

import { z } from 'zod';
import { csv, PageQuery } from '../query-params.js';

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
 * One minion's result of a job, for `job_returns` (the Store cuts a large return to its size
 * cap), so job history outlives the master's job cache.
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
  /** The return itself. */
  return_value: unknown;
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
  /** For `job.ret`: the per-minion result to store in `job_returns`. */
  job_return: NormalizedJobReturn | null;
}

/** Query of `GET /api/activity`: newest first. */
export const ActivityQuery = PageQuery.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Any of these categories. */
  category: csv(ActivityCategory).optional(),
  /** Any of these event types. */
  event_type: csv(ActivityEventType).optional(),
  minion_id: z.string().min(1).max(255).optional(),
  jid: z
    .string()
    .regex(/^\d{20}(_\d+)?$/)
    .optional(),
  /** Substring of the summary or minion id. */
  search: z.string().max(255).optional(),
  /** Leave out successful returns that changed nothing. */
  hide_routine: z.stringbool().default(false),
  /** Leave out `job.new` dispatch events. */
  hide_dispatch: z.stringbool().default(false),
  /** Only the last N minutes (1 to 7 days). */
  since_minutes: z.coerce.number().int().min(1).max(10_080).optional(),
}).strict();
/** Query of `GET /api/activity`. */
export type ActivityQuery = z.infer<typeof ActivityQuery>;

/** One activity event on the wire (list items and SSE `data:`). */
export const ActivityItem = z.object({
  id: z.number().int(),
  ts: z.string(),
  category: ActivityCategory,
  event_type: ActivityEventType,
  minion_id: z.string().nullable(),
  jid: z.string().nullable(),
  fun: z.string().nullable(),
  success: z.boolean().nullable(),
  changed: z.boolean().nullable(),
  initiator: z.string().nullable(),
  target: z.string().nullable(),
  duration_ms: z.number().nullable(),
  summary: z.string(),
});
/** One activity event on the wire. */
export type ActivityItem = z.infer<typeof ActivityItem>;

/** `GET /api/activity`. */
export const ActivityList = z.object({ total: z.number().int(), events: z.array(ActivityItem) });
/** `GET /api/activity`. */
export type ActivityList = z.infer<typeof ActivityList>;

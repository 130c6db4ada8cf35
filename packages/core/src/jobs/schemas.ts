import { z } from 'zod';
import { csv, PageQuery } from '../query-params.js';
import { Jid, TargetType } from '../salt/schemas.js';

/** An ISO-8601 time with a zone, within the years 1–9999 UTC that every Store can hold. */
const zonedTime = z.iso.datetime({ offset: true }).refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 1 && year <= 9999;
}, 'must be between the years 1 and 9999 (UTC)');

/** How a job went: running, or once finished failed, no returns or succeeded. */
export const JobOutcome = z.enum(['running', 'succeeded', 'failed', 'no_returns']);

/** Query of `GET /api/jobs`: newest first unless sorted otherwise. */
export const JobsQuery = PageQuery.extend({
  /** Any of these functions (exact). */
  function: csv(z.string().max(128)).optional(),
  /** Any of these users (exact). */
  user: csv(z.string().max(255)).optional(),
  /** Any of these Halite users, who ran the job through Halite (exact). */
  initiator: csv(z.string().max(255)).optional(),
  status: z.enum(['running', 'finished']).optional(),
  /**
   * Any of these outcomes; each job has one: `running`, or once finished `failed` (a return
   * reported failure), `no_returns` (none came back) or `succeeded`.
   */
  outcome: csv(JobOutcome).optional(),
  /** Jobs a minion returned for. */
  minion_id: z.string().min(1).max(255).optional(),
  /** Substring of the jid, function or target. */
  search: z.string().max(255).optional(),
  /** Started at or after (ISO-8601 with a zone). */
  since: zonedTime.optional(),
  /** Started before (ISO-8601 with a zone). */
  until: zonedTime.optional(),
  sort: z.enum(['start_time', 'jid', 'function', 'user']).default('start_time'),
  order: z.enum(['asc', 'desc']).default('desc'),
}).strict();
/** Query of `GET /api/jobs`. */
export type JobsQuery = z.infer<typeof JobsQuery>;

/** A job in the index. */
export const JobItem = z.object({
  jid: z.string(),
  function: z.string(),
  target: z.string(),
  target_type: z.string(),
  /** The user Salt records; for jobs started through Halite, the salt-api account. */
  user: z.string(),
  /** The Halite user who started the job through Halite; null for jobs started elsewhere. */
  initiator: z.string().nullable(),
  start_time: z.string(),
  end_time: z.string().nullable(),
  status: z.enum(['running', 'finished']),
  minion_count: z.number().int().nullable(),
  returned_count: z.number().int(),
  success_count: z.number().int(),
  failure_count: z.number().int(),
});
/** A job in the index. */
export type JobItem = z.infer<typeof JobItem>;

/** `GET /api/jobs`. */
export const JobList = z.object({
  total: z.number().int(),
  jobs: z.array(JobItem),
  /** When the jobs poller last finished. */
  last_polled_at: z.string().nullable(),
});
/** `GET /api/jobs`. */
export type JobList = z.infer<typeof JobList>;

/** Path of the job routes. */
export const JidParams = z.object({ jid: Jid });

/** One minion's result of a job. */
export const JobResult = z.object({
  minion: z.string(),
  success: z.boolean().nullable(),
  retcode: z.number().int().nullable(),
  return_value: z.unknown(),
  truncated: z.boolean(),
  returned_at: z.string().nullable(),
});

/** `GET /api/jobs/{jid}`: the job and a page of per-minion results. */
export const JobDetail = JobItem.extend({
  arguments: z.unknown(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  /** `store` when Halite has the job, `salt` when it was read live from the master's job cache. */
  source: z.enum(['store', 'salt']),
  results_total: z.number().int(),
  results: z.array(JobResult),
});
/** `GET /api/jobs/{jid}`. */
export type JobDetail = z.infer<typeof JobDetail>;

/** Query of `GET /api/jobs/{jid}`: a page of results, by minion id. */
export const JobDetailQuery = PageQuery.strict();

/** Query of `GET /api/jobs/activity`. */
export const JobActivityQuery = z
  .object({ hours: z.coerce.number().int().min(1).max(168).default(24) })
  .strict();

/** `GET /api/jobs/activity`: jobs started per hour. */
export const JobActivity = z.object({
  hours: z.number().int(),
  buckets: z.array(z.object({ hour_start: z.string(), count: z.number().int() })),
  total: z.number().int(),
  running: z.number().int(),
  last_polled_at: z.string().nullable(),
});
/** `GET /api/jobs/activity`. */
export type JobActivity = z.infer<typeof JobActivity>;

/** A Salt execution function name: `module.function`, as Salt's loader names them. */
export const FunctionName = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/, 'must be a Salt function such as test.ping');

/** Body of `POST /api/run`. */
export const RunCommand = z
  .object({
    /** Target expression (a list for `tgt_type: list`). */
    tgt: z.union([z.string().min(1).max(2048), z.array(z.string().min(1).max(255)).min(1).max(10_000)]),
    tgt_type: TargetType.default('glob'),
    fun: FunctionName,
    arg: z.array(z.unknown()).max(100).default([]),
    kwarg: z.record(z.string().max(128), z.unknown()).default({}),
  })
  .strict();
/** Body of `POST /api/run`. */
export type RunCommand = z.infer<typeof RunCommand>;

/** `POST /api/run` and `POST /api/jobs/{jid}/kill`: the new job. */
export const JobStarted = z.object({ jid: z.string(), minions: z.array(z.string()) });
/** A job that was just published. */
export type JobStarted = z.infer<typeof JobStarted>;

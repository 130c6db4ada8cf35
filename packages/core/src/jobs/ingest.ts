import { INTERNAL_JOB_FUNCTIONS } from '../activity/normalize.js';
import type { NormalizedEvent } from '../activity/schemas.js';
import type { IngestContext } from '../runtime/ingest-context.js';
import { type ActiveJob, ActiveJobsResult, type JobSummary, ListJobsResult } from '../salt/schemas.js';
import { formatSaltTime, jidToIso, parseJobStartTime } from '../salt/time.js';
import type { JobInput } from '../store/jobs.js';
import { MAX_PAGE_SIZE } from '../store/limits.js';
import type { JsonObject, JsonValue } from '../store/types.js';

/**
 * Whether a job is Salt's or Halite's own plumbing, kept out of the job index: every runner and
 * wheel call (the pollers' own `jobs.list_jobs`, `manage.present`, `key.list_all`, … are jobs
 * too, as `runner.*` / `wheel.*`), and the `saltutil.find_job` / `saltutil.running` fan-outs.
 */
export function isPlumbingJob(fun: string): boolean {
  return fun.startsWith('runner.') || fun.startsWith('wheel.') || INTERNAL_JOB_FUNCTIONS.has(fun);
}

/** `jobs.list_jobs` (or `jobs.active`) entries → rows for `store.jobs.upsert`, plumbing left out. */
export function jobsFromListJobs(jobs: Readonly<Record<string, JobSummary | ActiveJob>>): JobInput[] {
  const rows: JobInput[] = [];
  for (const [jid, job] of Object.entries(jobs)) {
    const fun = Array.isArray(job.Function) ? job.Function.join(',') : job.Function;
    if (isPlumbingJob(fun)) continue;
    const startTime = jidToIso(jid) ?? parseJobStartTime(job.StartTime);
    if (!startTime) continue;
    const row: JobInput = {
      jid,
      function: fun,
      target: Array.isArray(job.Target) ? job.Target.join(',') : job.Target,
      targetType: job['Target-type'],
      user: job.User,
      startTime,
      arguments: job.Arguments as JsonValue,
    };
    if (job.Metadata) row.metadata = job.Metadata as JsonObject;
    const end = job.EndTime ? parseJobStartTime(job.EndTime) : null;
    if (end) row.endTime = end;
    rows.push(row);
  }
  return rows;
}

/** A `job.new` activity event → a row for `store.jobs.upsert` (running until returns say otherwise). */
export function jobFromEvent(event: NormalizedEvent): JobInput | null {
  if (event.event_type !== 'job.new' || !event.jid || !event.fun) return null;
  const startTime = jidToIso(event.jid) ?? event.occurred_at;
  return {
    jid: event.jid,
    function: event.fun,
    target: event.target ?? '',
    targetType: event.target_type ?? 'glob',
    user: event.initiator ?? '',
    startTime,
    minionCount: event.minion_count,
    status: 'running',
  };
}

/** What one jobs pass writes: {@link planJobsPass}. */
export interface JobsPassPlan {
  /** Rows for `store.jobs.upsert`. */
  upsert: JobInput[];
  /** Jobs `jobs.list_jobs` listed (plumbing left out). */
  listed: number;
  /** Jobs `jobs.active` listed (plumbing left out). */
  active: number;
  /** Indexed running jobs that Salt no longer runs, now marked finished. */
  finished: number;
}

/**
 * One jobs pass, pure: what `jobs.list_jobs` and `jobs.active` said against the jobs the index
 * has as running. A job `jobs.active` lists is running; every other listed job has finished
 * (the list is read before `jobs.active`), and so has an indexed running job Salt no longer runs.
 * A listed job is never left to the Store's default status: the first pass after a start indexes
 * a day of history, and none of it may show as running.
 */
export function planJobsPass(
  listed: Readonly<Record<string, JobSummary | ActiveJob>>,
  active: Readonly<Record<string, ActiveJob>>,
  indexedRunning: ReadonlyArray<Pick<JobInput, 'jid' | 'function' | 'startTime'>>,
): JobsPassPlan {
  const activeRows = jobsFromListJobs(active).map((row) => ({ ...row, status: 'running' as const }));
  const activeIds = new Set(activeRows.map((r) => r.jid));
  const listedRows = jobsFromListJobs(listed);
  const upsert: JobInput[] = [
    ...listedRows.filter((r) => !activeIds.has(r.jid)).map((r) => ({ ...r, status: 'finished' as const })),
    ...activeRows,
  ];
  const written = new Set(upsert.map((r) => r.jid));
  let finished = 0;
  for (const job of indexedRunning) {
    if (activeIds.has(job.jid)) continue;
    finished += 1;
    if (!written.has(job.jid)) {
      upsert.push({ jid: job.jid, function: job.function, startTime: job.startTime, status: 'finished' });
    }
  }
  return { upsert, listed: listedRows.length, active: activeRows.length, finished };
}

/** Options of {@link ingestJobs}. */
export interface IngestJobsOptions {
  /** How far back the first pass (no poll recorded yet) looks, in hours. */
  lookbackHours: number;
  /** Overlap with the previous pass, in seconds, so a job stamped just before it is not missed. */
  overlapSeconds?: number;
}

/** What {@link ingestJobs} wrote. */
export interface IngestJobsResult {
  /** New jobs in the index. */
  inserted: number;
  /** Known jobs refreshed. */
  updated: number;
  /** Jobs marked finished because `jobs.active` no longer lists them. */
  finished: number;
}

/**
 * Jobs pass: `runner jobs.list_jobs` from the last recorded poll (minus an overlap; on the first
 * pass, `lookbackHours` back) into the index, then `runner jobs.active` to mark running jobs
 * and finish the ones that stopped. Salt compares `start_time` with naive UTC strings, so the
 * window is sent as one.
 */
export async function ingestJobs(ctx: IngestContext, options: IngestJobsOptions): Promise<IngestJobsResult> {
  const started = ctx.now();
  const lastPolled = await ctx.store.jobs.lastPolledAt();
  const since = lastPolled
    ? new Date(Date.parse(lastPolled) - (options.overlapSeconds ?? 300) * 1000)
    : new Date(started.getTime() - options.lookbackHours * 3_600_000);
  const listed = await ctx.salt.runnerCall(
    'jobs.list_jobs',
    { start_time: formatSaltTime(since) },
    { schema: ListJobsResult, signal: ctx.signal },
  );
  const active = await ctx.salt.runnerCall('jobs.active', undefined, {
    schema: ActiveJobsResult,
    signal: ctx.signal,
  });
  // Jobs the index thinks are running that Salt no longer runs have finished.
  const running = await ctx.store.jobs.list({ status: 'running', limit: MAX_PAGE_SIZE, order: 'asc' });
  const {
    upsert,
    listed: listedCount,
    active: activeCount,
    finished,
  } = planJobsPass(listed, active, running.items);
  const result = await ctx.store.jobs.upsert(upsert, { polledAt: started });
  ctx.logger.debug('jobs ingested', { listed: listedCount, active: activeCount, finished });
  return { ...result, finished };
}

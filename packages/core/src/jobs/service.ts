import { HaliteError } from '../errors.js';
import type { RuntimeConfig } from '../runtime/runtime-config.js';
import type { SaltAPIClient } from '../salt/client.js';
import { jidToIso } from '../salt/time.js';
import type { JobRecord, JobSortField } from '../store/jobs.js';
import { ReadCache } from '../store/read-cache.js';
import type { Store } from '../store/store.js';
import type { JobFollowUp } from './follow-up.js';
import { isPlumbingJob } from './ingest.js';
import type {
  JobActivity,
  JobDetail,
  JobItem,
  JobList,
  JobStarted,
  JobsQuery,
  RunCommand,
} from './schemas.js';

const SORT: Record<JobsQuery['sort'], JobSortField> = {
  start_time: 'startTime',
  jid: 'jid',
  function: 'function',
  user: 'user',
};

/**
 * Jobs: history from the Store (fed by the jobs poller and the event stream, kept after the
 * master's job cache forgets); running a command and killing a job call salt-api.
 */
export class JobService {
  readonly #store: Store;
  readonly #runtime: RuntimeConfig;
  readonly #now: () => Date;
  readonly #followUp: JobFollowUp | null;
  readonly #cache: ReadCache;

  /**
   * @param store - the job index
   * @param runtime - the salt-api client
   * @param now - the clock
   * @param followUp - finishes the jobs `run` starts and `kill` stops when no poller or event
   *   stream would (null: leave them to those)
   */
  constructor(
    store: Store,
    runtime: RuntimeConfig,
    now: () => Date = () => new Date(),
    followUp: JobFollowUp | null = null,
    cache?: ReadCache,
  ) {
    this.#store = store;
    this.#runtime = runtime;
    this.#now = now;
    this.#followUp = followUp;
    this.#cache = cache ?? new ReadCache(store.changes, false);
  }

  /**
   * A filtered, sorted page of the job history. Identical queries may share one answer
   * (frozen) until the next write or the cache's time limit.
   */
  list(q: JobsQuery): Promise<JobList> {
    return this.#cache.read(['jobs'], `jobs.list ${JSON.stringify(q)}`, () => this.#list(q));
  }

  async #list(q: JobsQuery): Promise<JobList> {
    const [page, lastPolled] = await Promise.all([
      this.#store.jobs.list({
        limit: q.limit,
        offset: q.offset,
        sort: SORT[q.sort],
        order: q.order,
        ...(q.function?.length ? { function: q.function } : {}),
        ...(q.user?.length ? { user: q.user } : {}),
        ...(q.initiator?.length ? { initiator: q.initiator } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.outcome?.length ? { outcome: q.outcome } : {}),
        ...(q.minion_id ? { minionId: q.minion_id } : {}),
        ...(q.search ? { search: q.search } : {}),
        ...(q.since ? { since: q.since } : {}),
        ...(q.until ? { until: q.until } : {}),
      }),
      this.#store.jobs.lastPolledAt(),
    ]);
    return { total: page.total, jobs: page.items.map(toItem), last_polled_at: lastPolled };
  }

  /**
   * Jobs started per hour over the last `hours` hours (oldest bucket first, empty hours
   * included); shared like {@link list}.
   */
  activity(hours: number): Promise<JobActivity> {
    return this.#cache.read(['jobs'], `jobs.activity ${hours}`, () => this.#activity(hours));
  }

  async #activity(hours: number): Promise<JobActivity> {
    const end = this.#now();
    end.setUTCMinutes(0, 0, 0);
    end.setUTCHours(end.getUTCHours() + 1);
    const start = new Date(end.getTime() - hours * 3_600_000);
    const [counts, running, lastPolled] = await Promise.all([
      this.#store.jobs.countByHour({ since: start, until: end }),
      this.#store.jobs.list({ status: 'running', limit: 1 }),
      this.#store.jobs.lastPolledAt(),
    ]);
    const byHour = new Map(counts.map((c) => [c.hourStart, c.count]));
    const buckets = Array.from({ length: hours }, (_, i) => {
      const hourStart = new Date(start.getTime() + i * 3_600_000).toISOString();
      return { hour_start: hourStart, count: byHour.get(hourStart) ?? 0 };
    });
    return {
      hours,
      buckets,
      total: buckets.reduce((sum, b) => sum + b.count, 0),
      running: running.total,
      last_polled_at: lastPolled,
    };
  }

  /**
   * One job with a page of its per-minion results: from the Store when Halite has the job and
   * its returns (the event stream records them), else read live from the master's job cache
   * (`jobs.list_job`); `not_found` when neither has it. A job Halite indexed without returns
   * (event stream off, or a job started while it was down) shows the job cache's results, and
   * falls back to the Store's view when Salt cannot be asked or has nothing yet.
   */
  async get(jid: string, page: { limit: number; offset: number }): Promise<JobDetail> {
    const job = await this.#store.jobs.get(jid);
    if (!job) return this.#runtime.withSalt((salt) => fromJobCache(salt, jid, page));
    const stored = await this.#fromStore(job, page);
    if (job.hasReturns || this.#runtime.salt === null) return stored;
    let live: JobDetail;
    try {
      live = await this.#runtime.withSalt((salt) => fromJobCache(salt, jid, page));
    } catch (error) {
      if (error instanceof HaliteError && error.code !== 'internal') return stored;
      throw error;
    }
    if (live.results_total === 0) return stored;
    const finished =
      stored.minion_count !== null && live.returned_count >= stored.minion_count ? 'finished' : stored.status;
    return {
      ...stored,
      status: finished,
      returned_count: live.returned_count,
      success_count: live.success_count,
      failure_count: live.failure_count,
      source: 'salt',
      results_total: live.results_total,
      results: live.results,
    };
  }

  async #fromStore(job: JobRecord, page: { limit: number; offset: number }): Promise<JobDetail> {
    const results = await this.#store.jobs.returns(job.jid, page);
    return {
      ...toItem(job),
      arguments: job.arguments,
      metadata: job.metadata,
      source: 'store',
      results_total: results.total,
      results: results.items.map((r) => ({
        minion: r.minionId,
        success: r.success,
        retcode: r.retcode,
        return_value: r.return,
        truncated: r.truncated,
        returned_at: r.returnedAt,
      })),
    };
  }

  /**
   * Publishes a command (`local_async`) and records the job in the index at once, so the Jobs
   * page shows it before the poller or the event stream does.
   *
   * @param command - what to run, and where
   * @param initiator - the Halite user running it, kept as the job's `initiator`; the job's
   *   `user` is what Salt records (the salt-api account), which the poller and events confirm
   */
  async run(command: RunCommand, initiator: string): Promise<JobStarted> {
    const started = await this.#runtime.withSalt((salt) =>
      salt.localAsync({
        tgt: command.tgt,
        tgtType: command.tgt_type,
        fun: command.fun,
        arg: command.arg,
        kwarg: command.kwarg,
      }),
    );
    if (!isPlumbingJob(command.fun)) {
      const saltUser = this.#runtime.status().salt.username;
      await this.#store.jobs.upsert([
        {
          jid: started.jid,
          function: command.fun,
          target: Array.isArray(command.tgt) ? command.tgt.join(',') : command.tgt,
          targetType: command.tgt_type,
          // Salt records an API job under the eauth user Halite logs in as.
          ...(saltUser ? { user: saltUser } : {}),
          initiator,
          startTime: jidToIso(started.jid) ?? this.#now(),
          arguments: [
            ...command.arg,
            ...(Object.keys(command.kwarg).length ? [{ __kwarg__: true, ...command.kwarg }] : []),
          ] as never,
          minionCount: started.minions.length,
          status: 'running',
        },
      ]);
      this.#followUp?.follow(started.jid);
    }
    return { jid: started.jid, minions: started.minions };
  }

  /**
   * Kills a running job: publishes `saltutil.kill_job <jid>` (asynchronously) to the job's own
   * target when Halite knows it, else to every minion. Returns the kill job. The killed job is
   * marked finished once Salt no longer runs it.
   */
  async kill(jid: string): Promise<JobStarted> {
    const job = await this.#store.jobs.get(jid);
    const targeted = job && job.target.length > 0 && job.targetType !== 'nodegroup';
    const started = await this.#runtime.withSalt(async (salt) => {
      const started = await salt.localAsync({
        tgt: targeted ? (job.targetType === 'list' ? job.target.split(',') : job.target) : '*',
        tgtType: targeted ? (job.targetType as 'glob') : 'glob',
        fun: 'saltutil.kill_job',
        arg: [jid],
      });
      return { jid: started.jid, minions: started.minions };
    });
    if (job?.status === 'running') this.#followUp?.follow(jid);
    return started;
  }
}

/** A job as the master's job cache has it (`runner jobs.list_job`); `not_found` when it has none. */
async function fromJobCache(
  salt: SaltAPIClient,
  jid: string,
  page: { limit: number; offset: number },
): Promise<JobDetail> {
  const live = (await salt.runnerCall('jobs.list_job', { jid })) as Record<string, unknown> | null;
  if (!live || typeof live !== 'object' || 'Error' in live || !live.Function) {
    throw new HaliteError('not_found', `Job ${jid} not found`, { details: { jid } });
  }
  const result = (live.Result ?? {}) as Record<
    string,
    { return?: unknown; retcode?: number; success?: boolean }
  >;
  const minions = Object.keys(result).sort();
  const slice = minions.slice(page.offset, page.offset + page.limit);
  const fun = String(live.Function);
  return {
    jid,
    function: fun,
    target: Array.isArray(live.Target) ? live.Target.join(',') : String(live.Target ?? ''),
    target_type: String(live['Target-type'] ?? ''),
    user: String(live.User ?? ''),
    initiator: null,
    start_time: jidToIso(jid) ?? '',
    end_time: null,
    status: 'finished',
    minion_count: Array.isArray(live.Minions) ? live.Minions.length : null,
    returned_count: minions.length,
    success_count: minions.filter((m) => result[m]?.success === true).length,
    failure_count: minions.filter((m) => result[m]?.success === false).length,
    arguments: live.Arguments ?? [],
    metadata: null,
    source: 'salt',
    results_total: minions.length,
    results: slice.map((m) => ({
      minion: m,
      success: result[m]?.success ?? null,
      retcode: result[m]?.retcode ?? null,
      return_value: result[m]?.return ?? null,
      truncated: false,
      returned_at: null,
    })),
  };
}

function toItem(j: JobRecord): JobItem {
  return {
    jid: j.jid,
    function: j.function,
    target: j.target,
    target_type: j.targetType,
    user: j.user,
    initiator: j.initiator,
    start_time: j.startTime,
    end_time: j.endTime,
    status: j.status,
    minion_count: j.minionCount,
    returned_count: j.returnedCount,
    success_count: j.successCount,
    failure_count: j.failureCount,
  };
}

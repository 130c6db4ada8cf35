import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { RuntimeConfig } from '../runtime/runtime-config.js';
import { ActiveJobsResult } from '../salt/schemas.js';
import type { JobReturnInput } from '../store/jobs.js';
import { MAX_PAGE_SIZE } from '../store/limits.js';
import type { Store } from '../store/store.js';

/** Options of {@link JobFollowUp}. */
export interface JobFollowUpOptions {
  /** Where jobs are read and finished. */
  store: Store;
  /** The salt-api client, asked at each check (a settings reload is transparent). */
  runtime: RuntimeConfig;
  /** Where failed checks are logged. */
  logger?: Logger;
  /** The clock. */
  now?: () => Date;
  /**
   * Delays before each check of a job, in ms; the last one repeats. Default 5 s, 10 s, 30 s,
   * then every 60 s: Salt's default publish timeout is 5 s.
   */
  delaysMs?: readonly number[];
  /** Checks of one job before it is left to the pollers (default 120: about two hours). */
  maxChecks?: number;
  /** Jobs followed at once; a job started beyond it is left to the pollers (default 1000). */
  maxJobs?: number;
}

const DEFAULT_DELAYS = [5_000, 10_000, 30_000, 60_000] as const;

/**
 * Finishes the jobs Halite started or killed when nothing else would: with the event stream
 * off and the jobs poller at 0 (the defaults), no one else tells the index that a job ended.
 * Each followed job is checked on a backoff schedule: nothing is asked of Salt once the Store
 * has it finished (the event stream or the poller got there first); else its returns are read
 * from the job cache (`runner jobs.list_job`) and recorded, which finishes it once every
 * targeted minion returned; else, when `runner jobs.active` no longer lists it (it ended
 * without every return, or was killed), it is marked finished.
 */
export class JobFollowUp {
  readonly #o: JobFollowUpOptions;
  readonly #logger: Logger;
  readonly #now: () => Date;
  readonly #delays: readonly number[];
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #closed = false;

  /** @param options - the Store, the runtime, and the schedule */
  constructor(options: JobFollowUpOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
    this.#delays = options.delaysMs?.length ? options.delaysMs : DEFAULT_DELAYS;
  }

  /** Jobs being followed. */
  get size(): number {
    return this.#timers.size;
  }

  /** Follow `jid` until it is finished (a job already followed starts its schedule again). */
  follow(jid: string): void {
    if (this.#closed) return;
    if (!this.#timers.has(jid) && this.#timers.size >= (this.#o.maxJobs ?? 1000)) {
      this.#logger.debug('job follow-up full; left to the pollers', { jid });
      return;
    }
    this.#schedule(jid, 0);
  }

  /** Stops every follow-up (shutdown). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(jid: string, attempt: number): void {
    clearTimeout(this.#timers.get(jid));
    if (this.#closed || attempt >= (this.#o.maxChecks ?? 120)) {
      this.#timers.delete(jid);
      return;
    }
    const delay = this.#delays[Math.min(attempt, this.#delays.length - 1)] as number;
    const timer = setTimeout(() => {
      void this.check(jid)
        .catch((error: unknown) => {
          this.#logger.warn('job follow-up check failed', { jid, error: String(error) });
          return false;
        })
        .then((done) => {
          if (this.#timers.get(jid) !== timer) return; // followed again meanwhile
          if (done) this.#timers.delete(jid);
          else this.#schedule(jid, attempt + 1);
        });
    }, delay);
    timer.unref?.();
    this.#timers.set(jid, timer);
  }

  /**
   * Checks one job now; `true` when it is finished (or not indexed) and needs no more checks.
   * Salt unreachable or unconfigured: `false`, to try again later.
   */
  async check(jid: string): Promise<boolean> {
    const { store, runtime } = this.#o;
    const job = await store.jobs.get(jid);
    if (!job || job.status === 'finished') return true;
    const salt = runtime.salt;
    if (!salt) return false;
    const cached = (await salt.runnerCall('jobs.list_job', { jid })) as Record<string, unknown> | null;
    const result =
      cached && typeof cached === 'object' && cached.Result && typeof cached.Result === 'object'
        ? (cached.Result as Record<string, { return?: unknown; retcode?: unknown; success?: unknown }>)
        : {};
    const now = this.#now();
    const returns: JobReturnInput[] = Object.entries(result).map(([minionId, r]) => ({
      jid,
      minionId,
      success: typeof r?.success === 'boolean' ? r.success : null,
      retcode: typeof r?.retcode === 'number' ? r.retcode : null,
      return: r?.return ?? null,
      returnedAt: now,
    }));
    // Only what is new: a return the event stream stored keeps its own time.
    const known = new Set<string>();
    for (let offset = 0; job.hasReturns; offset += MAX_PAGE_SIZE) {
      const page = await store.jobs.returns(jid, { limit: MAX_PAGE_SIZE, offset });
      for (const r of page.items) known.add(r.minionId);
      if (page.items.length < MAX_PAGE_SIZE) break;
    }
    const fresh = returns.filter((r) => !known.has(r.minionId));
    if (fresh.length > 0) await store.jobs.recordReturns(fresh);
    if ((await store.jobs.get(jid))?.status === 'finished') return true;
    const active = await salt.runnerCall('jobs.active', undefined, { schema: ActiveJobsResult });
    if (jid in active) return false;
    await store.jobs.upsert([
      { jid, function: job.function, startTime: job.startTime, status: 'finished', endTime: now },
    ]);
    this.#logger.debug('job finished by follow-up', { jid, returned: returns.length });
    return true;
  }
}

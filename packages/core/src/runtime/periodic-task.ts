import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';

/** What a periodic task did last, as the API shows it. Times are UTC ISO strings. */
export interface PeriodicTaskStatus {
  /** The task's name, e.g. `minions.keys`. */
  name: string;
  /** Whether the loop is started (an interval of 0 leaves it disabled). */
  enabled: boolean;
  /** Whether a tick is running right now. */
  running: boolean;
  /** When the last tick started, or null before the first. */
  last_started_at: string | null;
  /** How long the last finished tick took. */
  last_duration_ms: number | null;
  /** How the last finished tick ended. */
  last_outcome: 'ok' | 'error' | null;
  /** The last tick's error message (never a secret: errors carry no credentials). */
  last_error: string | null;
  /** When the next tick is due, or null when stopped. */
  next_run_at: string | null;
  /** Ticks finished since start. */
  runs: number;
  /** Ticks that ended in an error since start. */
  failures: number;
}

/** Options of {@link PeriodicTask}. */
export interface PeriodicTaskOptions {
  /** Name used in logs and status. */
  name: string;
  /** Delay before the first tick, in ms. */
  initialDelayMs: number;
  /** Pause between the end of one tick and the start of the next, in ms; 0 disables the task. */
  intervalMs: number;
  /** One tick. It should stop early when `signal` aborts. Errors are caught, logged and recorded. */
  run: (signal: AbortSignal) => Promise<void>;
  /** Where errors and timings go. */
  logger?: Logger;
  /** Clock in ms since the epoch; injectable for tests. */
  now?: () => number;
}

/**
 * A loop that runs one async tick, waits, and runs it again: never two ticks at once, an error
 * in a tick is logged and recorded but never escapes the loop, and {@link PeriodicTask.stop}
 * aborts the current tick and resolves once it has finished.
 *
 * @example
 * ```ts
 * const task = new PeriodicTask({ name: 'minions.keys', initialDelayMs: 10_000, intervalMs: 300_000,
 *   run: (signal) => ingestKeys(signal) });
 * task.start();
 * task.triggerNow(); // e.g. after the event stream reconnects
 * await task.stop();
 * ```
 */
export class PeriodicTask {
  readonly #options: PeriodicTaskOptions;
  readonly #logger: Logger;
  readonly #now: () => number;
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #triggered = false;
  #status: PeriodicTaskStatus;

  constructor(options: PeriodicTaskOptions) {
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    this.#status = {
      name: options.name,
      enabled: false,
      running: false,
      last_started_at: null,
      last_duration_ms: null,
      last_outcome: null,
      last_error: null,
      next_run_at: null,
      runs: 0,
      failures: 0,
    };
  }

  /** Starts the loop; a no-op when already started or when the interval is 0. */
  start(): void {
    if (this.#loop || this.#options.intervalMs <= 0) return;
    this.#abort = new AbortController();
    this.#status.enabled = true;
    this.#loop = this.#runLoop(this.#abort.signal);
  }

  /** Asks for a tick as soon as the current one (if any) ends; repeated calls coalesce. */
  triggerNow(): void {
    if (!this.#loop) return;
    this.#triggered = true;
    this.#wake?.();
  }

  /** Stops the loop: aborts the running tick and resolves once it has returned. */
  async stop(): Promise<void> {
    const loop = this.#loop;
    if (!loop) return;
    this.#abort?.abort();
    this.#wake?.();
    await loop;
    this.#loop = null;
    this.#abort = null;
    this.#status.enabled = false;
    this.#status.next_run_at = null;
  }

  /** A copy of the current status. */
  status(): PeriodicTaskStatus {
    return { ...this.#status };
  }

  async #runLoop(signal: AbortSignal): Promise<void> {
    let delay = this.#options.initialDelayMs;
    while (!signal.aborted) {
      await this.#sleep(delay, signal);
      if (signal.aborted) break;
      this.#triggered = false;
      await this.#tick(signal);
      delay = this.#options.intervalMs;
    }
  }

  async #tick(signal: AbortSignal): Promise<void> {
    const started = this.#now();
    this.#status.running = true;
    this.#status.next_run_at = null;
    this.#status.last_started_at = new Date(started).toISOString();
    try {
      await this.#options.run(signal);
      this.#status.last_outcome = 'ok';
      this.#status.last_error = null;
    } catch (error) {
      if (signal.aborted) {
        // Stopped mid-tick (a settings reload, shutdown): not a failure of the task.
        this.#logger.debug('periodic task aborted', { task: this.#options.name });
        return;
      }
      this.#status.failures += 1;
      this.#status.last_outcome = 'error';
      this.#status.last_error = error instanceof Error ? error.message : String(error);
      this.#logger.warn('periodic task failed', { task: this.#options.name, error: this.#status.last_error });
    } finally {
      const duration = this.#now() - started;
      this.#status.running = false;
      this.#status.runs += 1;
      this.#status.last_duration_ms = duration;
      this.#logger.debug('periodic task finished', { task: this.#options.name, duration_ms: duration });
    }
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#triggered || signal.aborted) return Promise.resolve();
    this.#status.next_run_at = new Date(this.#now() + ms).toISOString();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}
